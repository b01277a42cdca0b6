import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { ID_PATTERN } from '../../common/ids';

const toText = ({ value }: { value: unknown }) => (typeof value === 'number' ? String(value) : value);

export class GrantRequestDto {
  @ApiProperty({ type: String, example: '7', description: 'The client who receives the points' })
  @Transform(toText)
  @Matches(ID_PATTERN, { message: 'client_id must be a positive integer id' })
  @IsString({ message: 'client_id is required' })
  client_id: string;

  @ApiProperty({ type: String, example: '1', description: 'The profile the points are for' })
  @Transform(toText)
  @Matches(ID_PATTERN, { message: 'profile_id must be a positive integer id' })
  @IsString({ message: 'profile_id is required' })
  profile_id: string;

  @ApiProperty({ type: 'integer', example: 50, minimum: 1, maximum: 1_000_000 })
  @Max(1_000_000)
  @Min(1, { message: 'points must be at least 1' })
  @IsInt({ message: 'points must be a whole number' })
  points: number;

  @ApiProperty({ type: String, example: 'welcome bonus', description: 'Why the points are given; shown with them' })
  @MaxLength(200)
  @MinLength(1)
  @IsString({ message: 'reason is required' })
  reason: string;

  @ApiProperty({
    type: String,
    example: 'welcome-7',
    description: 'Unique per grant for the client: repeating a request with the same key gives once and answers the first result',
  })
  @Matches(/^[\w.:-]+$/, { message: 'idempotency_key may contain letters, digits and . _ : - only' })
  @MaxLength(100)
  @MinLength(1)
  @IsString({ message: 'idempotency_key is required' })
  idempotency_key: string;
}

export class GrantResponseDto {
  @ApiProperty({ type: String, example: '12' })
  grantId: string;

  @ApiProperty({ type: String, example: '7' })
  clientId: string;

  @ApiProperty({ type: String, example: '1' })
  profileId: string;

  @ApiProperty({ type: 'integer', example: 50 })
  points: number;

  @ApiProperty({ type: String, example: 'welcome bonus' })
  reason: string;

  @ApiProperty({ type: 'integer', example: 550, description: "The client's balance for the profile just after this grant" })
  balance: number;

  @ApiProperty({ type: Boolean, example: false, description: 'true when this answers a repeated idempotency key: nothing was given again' })
  replayed: boolean;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;
}
