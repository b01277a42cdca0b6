import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber } from '../../common/columns';
import { TransferKind } from '../transfer-kind';

/** An immutable movement of points between two accounts (double entry in one row). */
@Entity({ name: 'ledger_transfers' })
export class LedgerTransfer {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  /** Unique per effect (e.g. `purchase:42`): the database refuses a second credit of the same purchase. */
  @Column('text', { name: 'transfer_key' })
  transferKey: string;

  @Column('text')
  kind: TransferKind;

  @Column('text', { name: 'debit_account' })
  debitAccount: string;

  @Column('text', { name: 'credit_account' })
  creditAccount: string;

  @Column('bigint', { transformer: bigintNumber })
  points: number;

  @Column('bigint', { name: 'transaction_id', nullable: true })
  transactionId: string | null;

  @Column('bigint', { name: 'interaction_id', nullable: true })
  interactionId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
