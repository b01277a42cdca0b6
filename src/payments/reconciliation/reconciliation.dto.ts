import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { PageQuery } from '../../common/pagination';
import { PurchaseStatus } from '../purchase-status';

export enum ReconciliationFlag {
  ClientCredit = 'client_credit_differs',
  ModeratorCredit = 'moderator_credit_differs',
  PaidAmount = 'paid_amount_differs',
  PaidNotCredited = 'paid_but_not_credited',
  StalePending = 'stale_pending',
}

export class ReconciliationQuery extends PageQuery {
  @ApiPropertyOptional({ type: Boolean, description: 'Only rows with at least one flag', default: false })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'mismatches must be true or false' })
  mismatches = false;
}

export class ReconciliationRowDto {
  @ApiProperty({ type: String, example: '42' })
  id: string;

  @ApiProperty({ enum: PurchaseStatus })
  status: PurchaseStatus;

  @ApiProperty({ type: 'integer', example: 500 })
  points: number;

  @ApiProperty({ type: 'integer', example: 999, description: 'Price of the pack, minor units' })
  amountCents: number;

  @ApiProperty({ type: String, example: 'eur' })
  currency: string;

  @ApiProperty({ example: 999, nullable: true, type: Number, description: 'What Stripe reported as paid' })
  stripePaidCents: number | null;

  @ApiProperty({ type: 'integer', example: 0, description: "Stripe's cumulative refunded amount" })
  stripeRefundedCents: number;

  @ApiProperty({ type: 'integer', example: 500, description: 'Points the purchase should leave credited after refunds and disputes' })
  expectedPoints: number;

  @ApiProperty({ type: 'integer', example: 500, description: "Net points the ledger credited to the client's balance for this purchase" })
  clientCredited: number;

  @ApiProperty({ example: '3', nullable: true, type: String })
  moderatorId: string | null;

  @ApiProperty({ type: 'integer', example: 500, description: 'Net points the ledger credited to the moderator (or held) for this purchase' })
  moderatorCredited: number;

  @ApiProperty({ enum: ReconciliationFlag, isArray: true })
  flags: ReconciliationFlag[];
}

export class ReconcileRunDto {
  @ApiProperty({ type: 'integer', example: 3 })
  checked: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { credited: 1, still_open: 2 },
    description: 'How many purchases ended in each outcome',
  })
  outcomes: Record<string, number>;
}
