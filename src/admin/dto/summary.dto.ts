import { ApiProperty } from '@nestjs/swagger';

export class CurrencyRevenueDto {
  @ApiProperty({ type: String, example: 'eur' })
  currency: string;

  @ApiProperty({ type: 'integer', example: 12, description: 'Purchases credited in the range' })
  purchases: number;

  @ApiProperty({ type: 'integer', example: 11988, description: 'What they were sold for, minor units' })
  grossCents: number;

  @ApiProperty({ type: 'integer', example: 999, description: 'What Stripe has refunded of them so far, minor units' })
  refundedCents: number;

  @ApiProperty({ type: 'integer', example: 10989, description: 'grossCents − refundedCents' })
  netCents: number;
}

export class ModeratorEarningsDto {
  @ApiProperty({ type: String, example: '3' })
  moderatorId: string;

  @ApiProperty({ type: 'integer', example: 1500, description: 'Points credited to the moderator in the range (ledger)' })
  creditedPoints: number;

  @ApiProperty({ type: 'integer', example: 500, description: 'Points debited from the moderator in the range: refunds, disputes' })
  debitedPoints: number;

  @ApiProperty({ type: 'integer', example: 1000, description: 'creditedPoints − debitedPoints; may be negative' })
  netPoints: number;
}

export class StatusCountsDto {
  @ApiProperty({ type: 'integer', example: 1 })
  pending: number;

  @ApiProperty({ type: 'integer', example: 10 })
  completed: number;

  @ApiProperty({ type: 'integer', example: 0 })
  failed: number;

  @ApiProperty({ type: 'integer', example: 2 })
  expired: number;

  @ApiProperty({ type: 'integer', example: 1 })
  refunded: number;
}

export class PlatformSummaryDto {
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'Start of the range (inclusive); null: from the beginning' })
  from: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'End of the range (exclusive); null: up to now' })
  to: string | null;

  @ApiProperty({ type: 'integer', example: 12, description: 'Purchases credited (credited_at) in the range, whatever happened to them later' })
  purchases: number;

  @ApiProperty({ type: 'integer', example: 6000, description: 'Points of those purchases' })
  pointsSold: number;

  @ApiProperty({ type: 'integer', example: 500, description: 'Points of those purchases reversed by refunds so far' })
  refundedPoints: number;

  @ApiProperty({ type: [CurrencyRevenueDto], description: 'Revenue of those purchases, per currency' })
  revenue: CurrencyRevenueDto[];

  @ApiProperty({
    type: [ModeratorEarningsDto],
    description: 'Net points per moderator account (moderator:<id>) from the ledger transfers created in the range',
  })
  moderators: ModeratorEarningsDto[];

  @ApiProperty({ type: StatusCountsDto, description: 'Transactions created (created_at) in the range, by current status' })
  statusCounts: StatusCountsDto;
}
