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
  @ApiProperty({ type: String, example: '42', description: 'The purchase these points came from' })
  transactionId: string;

  @ApiProperty({ type: 'integer', example: 10 })
  points: number;

  @ApiProperty({ type: 'integer', example: 20, description: "What these points cost the client: the purchase's price shared in proportion, minor units" })
  valueCents: number;

  @ApiProperty({ type: String, example: 'eur' })
  currency: string;

  @ApiProperty({ example: '3', nullable: true, type: String, description: 'The moderator who earned that purchase; null while held for the next one' })
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
    description: 'Which purchases the points came from: the oldest unspent purchase first',
  })
  allocations: SpendAllocationDto[];
}
