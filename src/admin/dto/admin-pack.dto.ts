import { STRIPE_CURRENCIES } from '../../common/currencies';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';

const toText = ({ value }: { value: unknown }) => (typeof value === 'number' ? String(value) : value);

/** A field that may be left out, but not sent as null (IsOptional would let null through to a NOT NULL column). */
const Omittable = () => ValidateIf((_: object, value: unknown) => value !== undefined);

export const PACK_CODE = /^\d{1,9}$/;
const POINTS_MESSAGE = 'points must be an integer between 1 and 1000000';
const AMOUNT_MESSAGE = 'amount_cents must be an integer between 50 and 99999999 (minor units)';

export class PackCodeParams {
  @ApiProperty({ type: String, example: '500', description: 'The pack code' })
  @Matches(PACK_CODE, { message: 'code must be 1 to 9 digits' })
  code: string;
}

export class CreatePackDto {
  @ApiProperty({ type: String, example: '2500', pattern: PACK_CODE.source, description: 'What clients send as `pack`: 1 to 9 digits, unique' })
  @Transform(toText)
  @Matches(PACK_CODE, { message: 'code must be 1 to 9 digits' })
  @IsString({ message: 'code is required: 1 to 9 digits' })
  code: string;

  @ApiProperty({ type: 'integer', example: 2500, minimum: 1, maximum: 1_000_000 })
  @Max(1_000_000, { message: POINTS_MESSAGE })
  @Min(1, { message: POINTS_MESSAGE })
  @IsInt({ message: POINTS_MESSAGE })
  points: number;

  @ApiProperty({ type: 'integer', example: 3999, minimum: 50, maximum: 99_999_999, description: 'Price in minor units (cents)' })
  @Max(99_999_999, { message: AMOUNT_MESSAGE })
  @Min(50, { message: AMOUNT_MESSAGE })
  @IsInt({ message: AMOUNT_MESSAGE })
  amount_cents: number;

  @ApiProperty({ example: 'eur', enum: STRIPE_CURRENCIES, description: 'A currency Stripe accepts: its ISO 4217 code, lowercase' })
  @IsIn(STRIPE_CURRENCIES, { message: 'currency must be one Stripe accepts, as a lowercase ISO 4217 code such as "eur"' })
  @IsString({ message: 'currency is required: a lowercase ISO 4217 code such as "eur"' })
  currency: string;
}

export class UpdatePackDto {
  @ApiPropertyOptional({ type: 'integer', example: 600, minimum: 1, maximum: 1_000_000 })
  @Omittable()
  @Max(1_000_000, { message: POINTS_MESSAGE })
  @Min(1, { message: POINTS_MESSAGE })
  @IsInt({ message: POINTS_MESSAGE })
  points?: number;

  @ApiPropertyOptional({ type: 'integer', example: 1099, minimum: 50, maximum: 99_999_999, description: 'Price in minor units (cents)' })
  @Omittable()
  @Max(99_999_999, { message: AMOUNT_MESSAGE })
  @Min(50, { message: AMOUNT_MESSAGE })
  @IsInt({ message: AMOUNT_MESSAGE })
  amount_cents?: number;

  @ApiPropertyOptional({ type: Boolean, example: false, description: 'false: no longer sold (existing purchases are unaffected)' })
  @Omittable()
  @IsBoolean({ message: 'active must be true or false' })
  active?: boolean;
}

export class AdminPackDto {
  @ApiProperty({ type: String, example: '500' })
  code: string;

  @ApiProperty({ type: 'integer', example: 500 })
  points: number;

  @ApiProperty({ type: 'integer', example: 999, description: 'Price in minor units (cents)' })
  amountCents: number;

  @ApiProperty({ type: String, example: 'eur' })
  currency: string;

  @ApiProperty({ type: Boolean, example: true, description: 'Sold to clients' })
  active: boolean;

  @ApiProperty({ type: 'integer', example: 2, description: 'Position in the catalogue' })
  sortOrder: number;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt: string;
}
