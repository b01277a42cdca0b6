import { ApiProperty } from '@nestjs/swagger';

export class StatementMoneyDto {
  @ApiProperty({ type: String, example: 'eur' })
  currency: string;

  @ApiProperty({ type: 'integer', example: 645, description: 'Earned less paid out, minor units; negative: a debt' })
  balanceCents: number;

  @ApiProperty({ type: 'integer', example: 0, description: 'What the moderator owes (money taken back after it was paid out); 0 when nothing' })
  debtCents: number;
}

export class StatementSideDto {
  @ApiProperty({ type: 'integer', example: 1600, description: "The moderator's points balance" })
  points: number;

  @ApiProperty({ type: [StatementMoneyDto] })
  money: StatementMoneyDto[];
}

export class StatementLineDto {
  @ApiProperty({ type: String, format: 'date-time' })
  at: string;

  @ApiProperty({ enum: ['earning', 'reversal', 'restore', 'payout'], example: 'earning', description: 'restore: a dispute won gives back what it took' })
  kind: 'earning' | 'reversal' | 'restore' | 'payout';

  @ApiProperty({ type: String, enum: ['refund', 'dispute', null], nullable: true, example: null, description: "A reversal's cause; null for other kinds" })
  reason: 'refund' | 'dispute' | null;

  @ApiProperty({ type: String, nullable: true, example: '42', description: 'The purchase' })
  transactionId: string | null;

  @ApiProperty({ type: String, nullable: true, example: '1' })
  profileId: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Sophie' })
  profileName: string | null;

  @ApiProperty({ type: String, nullable: true, example: null, description: 'The payout, for a payout line' })
  payoutId: string | null;

  @ApiProperty({ type: 'integer', example: 500, description: 'Signed: + to the moderator, − taken back; 0 for a payout' })
  points: number;

  @ApiProperty({ type: 'integer', example: 300, description: 'Signed money, minor units: the change of the purchase’s share, or − a payout' })
  amountCents: number;

  @ApiProperty({ type: String, nullable: true, example: 'eur', description: 'Null only for a purchase credited before shares existed (it carries no money)' })
  currency: string | null;

  @ApiProperty({ type: 'integer', nullable: true, example: 945, description: 'The money balance in this currency after the line' })
  balanceCents: number | null;

  @ApiProperty({ type: 'integer', example: 0, description: 'The debt after the line (a reversal after a payout), 0 when none' })
  debtCents: number;

  @ApiProperty({ type: 'integer', example: 0, description: 'Of an earning made while in debt, the part that paid it off' })
  debtRepaidCents: number;
}

export class StatementTotalsDto {
  @ApiProperty({ type: String, example: 'eur' })
  currency: string;

  @ApiProperty({ type: 'integer', example: 810 })
  earnedCents: number;

  @ApiProperty({ type: 'integer', example: 365, description: 'Taken back by refunds and disputes' })
  reversedCents: number;

  @ApiProperty({ type: 'integer', example: 0 })
  paidOutCents: number;
}

export class StatementPointTotalsDto {
  @ApiProperty({ type: 'integer', example: 1600 })
  earnedPoints: number;

  @ApiProperty({ type: 'integer', example: 501 })
  reversedPoints: number;

  @ApiProperty({ type: [StatementTotalsDto] })
  money: StatementTotalsDto[];
}

export class StatementDto {
  @ApiProperty({ type: String, example: '3' })
  moderatorId: string;

  @ApiProperty({ type: String, example: 'Camille Martin' })
  moderatorName: string;

  @ApiProperty({ type: String, example: '2026-01' })
  month: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'The month’s first instant (UTC)' })
  from: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'The next month’s first instant (UTC), excluded' })
  to: string;

  @ApiProperty({ type: String, format: 'date-time' })
  generatedAt: string;

  @ApiProperty({ enum: ['en', 'fr'], example: 'en' })
  language: 'en' | 'fr';

  @ApiProperty({ type: StatementSideDto })
  opening: StatementSideDto;

  @ApiProperty({ type: [StatementLineDto], description: 'Oldest first: every earning, reversal, restore and payout of the month' })
  lines: StatementLineDto[];

  @ApiProperty({ type: StatementPointTotalsDto })
  totals: StatementPointTotalsDto;

  @ApiProperty({ type: StatementSideDto, description: 'Opening plus the lines: the same sums as the ledger' })
  closing: StatementSideDto;
}
