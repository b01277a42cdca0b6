import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsISO8601, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { ID_PATTERN } from '../../common/ids';
import { ApiNullableObjectProperty } from '../../common/nullable-object';

export class PayoutDetailsRequestDto {
  @ApiProperty({ type: String, example: 'FR76 3000 6000 0112 3456 7890 189', description: 'Spaces and dashes allowed; checked with its country length and mod 97' })
  @MaxLength(50)
  @MinLength(1)
  @IsString({ message: 'iban is required' })
  iban: string;

  @ApiProperty({ type: String, example: 'Camille Martin', description: "The account holder's name, as the bank knows it" })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @MaxLength(70, { message: 'name must fit the 70 characters of a SEPA name' })
  @MinLength(1, { message: 'name is required' })
  @IsString({ message: 'name is required' })
  name: string;
}

export class PayoutDetailsDto {
  @ApiProperty({ type: String, example: '0189', description: 'The last four characters of the IBAN: it is never shown whole' })
  ibanEnding: string;

  @ApiProperty({ type: String, example: 'Camille Martin' })
  name: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'When they were last changed; a change applies from the next payout run' })
  updatedAt: string;
}

export class MyPayoutDetailsDto {
  @ApiNullableObjectProperty(PayoutDetailsDto, { description: 'null until the moderator (or the platform) sets them' })
  details: PayoutDetailsDto | null;
}

export class CreatePayoutRunDto {
  @ApiProperty({
    type: String,
    format: 'date-time',
    example: '2026-01-31T23:59:59Z',
    description: 'Money matured by then is paid (at most now). The same until again answers the same run',
  })
  @IsISO8601({ strict: true }, { message: 'until must be an ISO 8601 time, e.g. 2026-01-31T23:59:59Z' })
  @IsString({ message: 'until is required' })
  until: string;
}

export class PayoutDto {
  @ApiProperty({ type: String, example: '31' })
  id: string;

  @ApiProperty({ type: String, example: '3' })
  moderatorId: string;

  @ApiProperty({ type: String, example: 'eur' })
  currency: string;

  @ApiProperty({ type: 'integer', example: 645, description: 'Minor units' })
  amountCents: number;

  @ApiProperty({ type: String, enum: ['pending', 'paid', 'cancelled'], example: 'pending' })
  status: 'pending' | 'paid' | 'cancelled';
}

export class SkippedPayoutDto {
  @ApiProperty({ type: String, example: '4' })
  moderatorId: string;

  @ApiProperty({ type: String, example: 'eur' })
  currency: string;

  @ApiProperty({ type: 'integer', example: 2400, description: 'What would have been paid, minor units: it waits for a later run' })
  amountCents: number;

  @ApiProperty({ type: String, enum: ['no_payout_details', 'erased'], example: 'no_payout_details' })
  reason: 'no_payout_details' | 'erased';
}

export class PayoutRunDto {
  @ApiProperty({ type: String, example: '12' })
  id: string;

  @ApiProperty({ type: String, format: 'date-time' })
  until: string;

  @ApiProperty({ type: 'integer', example: 2000, description: 'PAYOUT_MINIMUM_CENTS when the run was made' })
  minimumCents: number;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: [PayoutDto], description: 'One per moderator and currency whose available money reached the minimum' })
  payouts: PayoutDto[];

  @ApiProperty({ type: [SkippedPayoutDto], description: 'Moderators who would have been paid but cannot be: no payout details, or erased' })
  skipped: SkippedPayoutDto[];
}

export class IdParams {
  @ApiProperty({ type: String, example: '12' })
  @Matches(ID_PATTERN, { message: 'id must be a positive integer id' })
  id: string;
}

export class RunFileQuery {
  @ApiProperty({ enum: ['csv', 'sepa'], example: 'sepa', description: 'csv: every payout of the run; sepa: a pain.001.001.03 credit transfer file of its EUR payouts' })
  @IsIn(['csv', 'sepa'], { message: 'format must be csv or sepa' })
  format: 'csv' | 'sepa';
}

export class StatementParams {
  @ApiProperty({ type: String, example: '2026-01', description: 'A UTC month, YYYY-MM' })
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'month must be YYYY-MM, e.g. 2026-01' })
  month: string;
}

export class AdminStatementParams extends StatementParams {
  @ApiProperty({ type: String, example: '3', description: 'The moderator' })
  @Matches(ID_PATTERN, { message: 'id must be a positive integer id' })
  id: string;
}

export class StatementQuery {
  @ApiPropertyOptional({ enum: ['json', 'csv', 'pdf'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv', 'pdf'], { message: 'format must be json, csv or pdf' })
  format?: 'json' | 'csv' | 'pdf';

  @ApiPropertyOptional({ enum: ['en', 'fr'], description: 'The language of the labels; else Accept-Language; else English' })
  @IsOptional()
  @IsIn(['en', 'fr'], { message: 'lang must be en or fr' })
  lang?: 'en' | 'fr';
}

export class ModeratorMoneyDto {
  @ApiProperty({ type: String, example: 'eur' })
  currency: string;

  @ApiProperty({ type: 'integer', example: 300, description: 'Earnings still inside the maturity window (EARNINGS_MATURITY_DAYS), minor units' })
  pendingCents: number;

  @ApiProperty({
    type: 'integer',
    example: 645,
    description: 'Matured money less what was paid and what pending payouts hold; negative: a debt (a reversal after a payout) that later earnings pay first',
  })
  availableCents: number;

  @ApiProperty({ type: 'integer', example: 1290, description: 'Paid out' })
  paidCents: number;

  @ApiProperty({ type: 'integer', example: 0, description: 'Held by pending payouts: on its way to the bank account' })
  inPayoutCents: number;

  @ApiProperty({ type: 'integer', example: 0, description: 'Part of available money a fraud check holds: it stays out of payouts until the check ends' })
  frozenCents: number;
}
