import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** An event written in the same transaction as the change it reports, published after commit. */
@Entity({ name: 'outbox_events' })
export class OutboxEvent {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column('uuid', { name: 'event_id', default: () => 'gen_random_uuid()' })
  eventId: string;

  @Column('text')
  type: string;

  @Column('jsonb')
  payload: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'available_at', default: () => 'now()' })
  availableAt: Date;

  @Column('integer', { default: 0 })
  attempts: number;

  @Column('text', { name: 'last_error', nullable: true })
  lastError: string | null;

  /** The advisory-lock token of the relay session that claimed it (see OutboxRelay); null when free. */
  @Column('integer', { name: 'claimed_by', nullable: true })
  claimedBy: number | null;

  @Column('timestamptz', { name: 'published_at', nullable: true })
  publishedAt: Date | null;
}
