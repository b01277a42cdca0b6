import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsEnum, IsISO8601, IsOptional, Matches } from 'class-validator';
import { ID_PATTERN } from '../../common/ids';
import { PageQuery } from '../../common/pagination';
import { PurchaseStatus } from '../../payments/purchase-status';
import { TransactionDto } from '../../payments/dto/transaction.dto';

const DATE_DESCRIPTION = 'ISO 8601 date or date-time; without an offset it is read as UTC';
/** Calendar dates and times only (no week or ordinal dates), which IsISO8601 then checks exist. */
const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;
const dateMessage = (name: string, example: string) =>
  `${name} must be an ISO 8601 date or date-time, such as ${example} or ${example}T00:00:00Z`;

/** A half-open range [from, to) of instants. */
export class DateRangeQuery {
  @ApiPropertyOptional({ type: String, example: '2026-01-01', description: `Inclusive. ${DATE_DESCRIPTION}` })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: dateMessage('from', '2026-01-01') })
  @Matches(INSTANT, { message: dateMessage('from', '2026-01-01') })
  from?: string;

  @ApiPropertyOptional({ type: String, example: '2026-02-01', description: `Exclusive. ${DATE_DESCRIPTION}` })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: dateMessage('to', '2026-02-01') })
  @Matches(INSTANT, { message: dateMessage('to', '2026-02-01') })
  to?: string;
}

/** Filters of the transaction search; the dates bound `created_at`. */
export class TransactionFilterQuery extends DateRangeQuery {
  @ApiPropertyOptional({ enum: PurchaseStatus })
  @IsOptional()
  @IsEnum(PurchaseStatus, { message: `status must be one of: ${Object.values(PurchaseStatus).join(', ')}` })
  status?: PurchaseStatus;

  @ApiPropertyOptional({ type: String, example: '7' })
  @IsOptional()
  @Matches(ID_PATTERN, { message: 'client_id must be a positive integer id' })
  client_id?: string;

  @ApiPropertyOptional({ type: String, example: '1' })
  @IsOptional()
  @Matches(ID_PATTERN, { message: 'profile_id must be a positive integer id' })
  profile_id?: string;

  @ApiPropertyOptional({ type: String, example: '3', description: 'The moderator credited for the purchase' })
  @IsOptional()
  @Matches(ID_PATTERN, { message: 'moderator_id must be a positive integer id' })
  moderator_id?: string;
}

export class TransactionSearchQuery extends IntersectionType(TransactionFilterQuery, PageQuery) {}

export class AdminTransactionDto extends TransactionDto {
  @ApiProperty({ type: 'integer', example: 0, description: 'Points currently taken back by an open or lost dispute' })
  disputedPoints: number;

  @ApiProperty({ example: 'cs_test_a1b2c3', nullable: true, type: String })
  stripeSessionId: string | null;

  @ApiProperty({ type: String, format: 'date-time', description: 'Last change of the row' })
  updatedAt: string;
}
