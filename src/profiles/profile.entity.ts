import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'profiles' })
export class Profile {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT' })
  id: string;

  @Column('text')
  name: string;

  /** Handles new interactions with this profile; null while nobody is assigned. */
  @Column('bigint', { name: 'moderator_id', nullable: true })
  moderatorId: string | null;

  /** false: new checkouts for the profile are refused (409 PROFILE_INACTIVE); balances and spends stay. */
  @Column('boolean', { default: true })
  active: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
