import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { ApiNullableObjectProperty } from '../../common/nullable-object';
import { PurchaseStatus } from '../purchase-status';

/** What became of a credited purchase's points. */
export class TransactionLotDto {
  @ApiProperty({ type: 'integer', example: 300, description: 'Points of this purchase not spent yet' })
  remaining: number;

  @ApiProperty({ type: 'integer', example: 150, description: 'Points of this purchase already spent (spends use the oldest purchase first)' })
  spent: number;

  @ApiProperty({ type: 'integer',
    example: 50,
    description: 'Points of this purchase taken back: by its refunds or disputes, by those of a purchase already spent, or to pay off a negative balance',
  })
  taken: number;
}

export class TransactionDto {
  @ApiProperty({ type: String, example: '42' })
  id: string;

  @ApiProperty({ enum: PurchaseStatus })
  status: PurchaseStatus;

  @ApiProperty({ type: String, example: '7' })
  clientId: string;

  @ApiProperty({ nullable: true, type: String, example: 'Camille', description: "The client's name; null when the platform shared none (or erased it)" })
  clientName: string | null;

  @ApiProperty({ type: String, example: '1' })
  profileId: string;

  @ApiProperty({ type: String, example: 'Sophie', description: "The profile's name" })
  profileName: string;

  @ApiProperty({ example: '3', nullable: true, type: String, description: 'The moderator credited, once credited' })
  moderatorId: string | null;

  @ApiProperty({ type: String, example: '500' })
  pack: string;

  @ApiProperty({ type: 'integer', example: 500 })
  points: number;

  @ApiProperty({ type: 'integer', example: 999, description: 'Minor units (cents)' })
  amountCents: number;

  @ApiProperty({ type: String, example: 'eur' })
  currency: string;

  @ApiProperty({ type: 'integer', example: 0 })
  refundedPoints: number;

  @ApiProperty({ nullable: true, type: String, example: null })
  failureReason: string | null;

  @ApiNullableObjectProperty(TransactionLotDto, { description: 'Null until the purchase is credited' })
  lot: TransactionLotDto | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  creditedAt: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;
}

export class SuccessQueryDto {
  @ApiProperty({ type: String, example: 'cs_test_a1b2c3', description: 'The {CHECKOUT_SESSION_ID} Stripe put in the success URL' })
  @MaxLength(255)
  @MinLength(3)
  @IsString({ message: 'session_id is required' })
  session_id: string;
}
