import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { NotificationPayload, NotificationType } from '../notification-events';

/**
 * One alert for one user, stored before it is pushed so that a socket that was away can replay it.
 * `id` increases (one identity for every user); (event_id, user_id) is unique, which makes storing
 * a re-published outbox event a no-op.
 */
@Entity({ name: 'notifications' })
export class Notification {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column('bigint', { name: 'user_id' })
  userId: string;

  @Column('text')
  type: NotificationType;

  @Column('jsonb')
  payload: NotificationPayload;

  @Column('uuid', { name: 'event_id' })
  eventId: string;

  @Column('timestamptz', { name: 'read_at', nullable: true })
  readAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
