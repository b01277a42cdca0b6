import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional, Matches } from 'class-validator';
import { PageQuery } from '../../common/pagination';
import { FraudWarningStatus } from '../purchase-status';

export class FraudWarningDto {
  @ApiProperty({ type: String, example: 'issfr_1NnrwHBw2dPENLoi9lnhV3RQ', description: "Stripe's id of the warning" })
  warningId: string;

  @ApiProperty({ enum: FraudWarningStatus, enumName: 'FraudWarningStatus', example: FraudWarningStatus.Active, description: 'active: the purchase is held' })
  status: FraudWarningStatus;

  @ApiProperty({ type: String, example: '42', description: 'The purchase of the warned charge' })
  transactionId: string;

  @ApiProperty({ type: String, example: '7' })
  clientId: string;

  @ApiProperty({ type: String, example: '12' })
  profileId: string;

  @ApiProperty({ type: String, nullable: true, example: '3', description: 'Who earned the purchase; null while its points are held' })
  moderatorId: string | null;

  @ApiProperty({ type: 'integer', example: 999, description: 'What the client paid, minor units' })
  amountCents: number;

  @ApiProperty({ type: String, example: 'eur' })
  currency: string;

  @ApiProperty({ type: 'integer', nullable: true, example: 799, description: 'What EFW_AUTO_REFUND asked Stripe to refund; null when nothing was' })
  refundCents: number | null;

  @ApiProperty({ type: String, format: 'date-time' })
  warnedAt: string;
}

export class FraudWarningsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: FraudWarningStatus, enumName: 'FraudWarningStatus', description: 'Only warnings in this state' })
  @IsOptional()
  @IsEnum(FraudWarningStatus, { message: `status must be one of ${Object.values(FraudWarningStatus).join(', ')}` })
  status?: FraudWarningStatus;
}

export class ReleasedFraudWarningDto extends FraudWarningDto {
  @ApiProperty({ type: 'integer', example: 400, description: 'Unspent points of the purchase that can be spent again' })
  unfrozenPoints: number;
}

export class FraudWarningParams {
  @ApiProperty({ type: String, example: 'issfr_1NnrwHBw2dPENLoi9lnhV3RQ', description: "Stripe's id of the warning" })
  @Matches(/^[\x21-\x7e]{1,255}$/, { message: 'id must be the Stripe id of an early fraud warning (issfr_…)' })
  id: string;
}
