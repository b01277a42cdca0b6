import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { ID_PATTERN } from '../../common/ids';

const toText = ({ value }: { value: unknown }) => (typeof value === 'number' ? String(value) : value);

export class SpendRequestDto {
  @ApiProperty({ type: String, example: '1' })
  @Transform(toText)
  @Matches(ID_PATTERN, { message: 'profile_id must be a positive integer id' })
  @IsString({ message: 'profile_id is required' })
  profile_id: string;

  @ApiProperty({ type: 'integer', example: 10, minimum: 1, maximum: 1_000_000 })
  @Max(1_000_000)
  @Min(1, { message: 'points must be at least 1' })
  @IsInt({ message: 'points must be a whole number' })
  points: number;

  @ApiProperty({ type: String, example: 'message', description: 'What the points pay for (e.g. "message", "photo")' })
  @MaxLength(200)
  @MinLength(1)
  @IsString({ message: 'reason is required' })
  reason: string;

  @ApiProperty({ type: String,
    example: 'msg-7f3c2a',
    description: 'Unique per spend for the caller: repeating a request with the same key spends once and answers the first result',
  })
  @Matches(/^[\w.:-]+$/, { message: 'idempotency_key may contain letters, digits and . _ : - only' })
  @MaxLength(100)
  @MinLength(1)
  @IsString({ message: 'idempotency_key is required' })
  idempotency_key: string;
}

export class SpendAllocationDto {
  @ApiProperty({ type: String, example: '42', nullable: true, description: 'The purchase these points came from; null for promotional points' })
  transactionId: string | null;

  @ApiProperty({ type: String, example: null, nullable: true, description: 'The grant of promotional points these points came from; null for a purchase' })
  grantId: string | null;

  @ApiProperty({ type: Boolean, example: false, description: 'Promotional points (a grant): they cost nothing and earn nobody anything; a spend uses them first' })
  promotional: boolean;

  @ApiProperty({ type: 'integer', example: 10 })
  points: number;

  @ApiProperty({
    type: 'integer',
    example: 20,
    description: "What these points cost the client: the purchase's price shared in proportion, minor units; 0 for promotional points",
  })
  valueCents: number;

  @ApiProperty({ type: String, example: 'eur', nullable: true, description: 'Null for promotional points' })
  currency: string | null;

  @ApiProperty({
    example: '3',
    nullable: true,
    type: String,
    description: 'The moderator who earned that purchase; null while held for the next one, and for promotional points',
  })
  moderatorId: string | null;
}

export class SpendResponseDto {
  @ApiProperty({ type: String, example: '81' })
  spendId: string;

  @ApiProperty({ type: 'integer', example: 10 })
  points: number;

  @ApiProperty({ type: 'integer', example: 490, description: "The caller's balance for the profile after this spend" })
  balance: number;

  @ApiProperty({ type: Boolean, example: false, description: 'true when this answers a repeated idempotency key' })
  replayed: boolean;

  @ApiProperty({
    type: [SpendAllocationDto],
    description: 'Where the points came from: promotional points first, then the oldest unspent purchase first (never points a fraud check froze)',
  })
  allocations: SpendAllocationDto[];
}
