import { ApiProperty } from '@nestjs/swagger';
import { ModeratorMoneyDto } from '../../payouts/dto/payouts.dto';
import { MODERATOR_TRANSFER_KINDS, ModeratorTransferKind, TransferKind } from '../../points/transfer-kind';

export class EarningEntryDto {
  @ApiProperty({ type: String, example: '1042', description: 'Ledger transfer id; pass the last one as `cursor` for older entries' })
  id: string;

  @ApiProperty({
    enum: MODERATOR_TRANSFER_KINDS,
    enumName: 'ModeratorTransferKind',
    example: TransferKind.Attribution,
    description: 'attribution: earned from a purchase; release: held points given on assignment; reversal: refund or dispute; restore: dispute won',
  })
  kind: ModeratorTransferKind;

  @ApiProperty({ type: 'integer', example: 500, description: 'Signed: + credited to the moderator, − taken back' })
  points: number;

  @ApiProperty({ nullable: true, type: String, example: '42', description: 'The purchase behind the transfer, when there is one' })
  transactionId: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;

  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'Credits: createdAt + maturity, when it stops being pending (unless a refund takes it first). null for debits',
  })
  maturesAt: string | null;
}

/** `Page<EarningEntryDto>` under its own schema name. */
export class EarningsPageDto {
  @ApiProperty({ type: [EarningEntryDto], description: 'Newest first' })
  items: EarningEntryDto[];

  @ApiProperty({ nullable: true, type: String, description: 'Pass as cursor to get the next page; null on the last page' })
  nextCursor: string | null;
}

export class ModeratorPointsDto {
  @ApiProperty({ type: 'integer', example: 949, description: "The moderator's balance (ledger account moderator:<id>); negative when reversals exceeded earnings" })
  balance: number;

  @ApiProperty({ type: 'integer', example: 449, description: 'Earnings still inside the maturity window (refund/dispute risk); refunds and disputes take from here first, oldest credit first' })
  pending: number;

  @ApiProperty({ type: 'integer', example: 500, description: 'balance − pending; may be negative, never clamped' })
  available: number;

  @ApiProperty({ type: 'integer', example: 14, description: 'Days an earning stays pending (EARNINGS_MATURITY_DAYS)' })
  maturityDays: number;

  @ApiProperty({
    type: [ModeratorMoneyDto],
    description: "The money of these earnings per currency: the moderator's share of what clients paid (MODERATOR_SHARE_BPS), pending, available, paid",
  })
  money: ModeratorMoneyDto[];

  @ApiProperty({ type: EarningsPageDto, description: 'Transfers to and from the moderator account, newest first; limit/cursor page through it' })
  history: EarningsPageDto;
}
