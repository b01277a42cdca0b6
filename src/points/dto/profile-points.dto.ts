import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { ReaderLanguage } from '../../common/reader-language';

export class PackDto {
  @ApiProperty({ type: String, example: '500', description: 'What to send as `pack` to POST /profile-points/checkout' })
  code: string;

  @ApiProperty({ type: 'integer', example: 500 })
  points: number;

  @ApiProperty({ type: 'integer', example: 999, description: 'Price in minor units (cents)' })
  amountCents: number;

  @ApiProperty({ type: String, example: 'eur' })
  currency: string;

  @ApiProperty({
    type: String,
    example: '9,99 €',
    description: 'The price for people, in the language of `lang`, else of Accept-Language, else French: "9,99 €", in English "€9.99"',
  })
  price: string;
}

export class ProfilePointsQuery {
  @ApiPropertyOptional({ enum: ['en', 'fr'], description: 'The language of `price`; else Accept-Language; else French' })
  @IsOptional()
  @IsIn(['en', 'fr'], { message: 'lang must be en or fr' })
  lang?: ReaderLanguage;
}

export class ProfileSummaryDto {
  @ApiProperty({ type: String, example: '1' })
  id: string;

  @ApiProperty({ type: String, example: 'Sophie' })
  name: string;
}

export class BalanceDto {
  @ApiProperty({ type: 'integer', example: 400, description: "The caller's balance with this profile (negative: points spent, then refunded)" })
  points: number;

  @ApiProperty({ type: 'integer', example: 500, description: 'Points the caller bought for this profile, net of reversals (promotional points not included)' })
  totalPointsReceived: number;

  @ApiProperty({ type: 'integer', example: 50, description: 'Unspent promotional points among them: given, not bought; spent first' })
  promotionalPoints: number;

  @ApiProperty({ type: 'integer', example: 0, description: 'Unspent points a fraud check of their payment holds: they cannot be spent until it ends' })
  frozenPoints: number;

  @ApiProperty({ type: 'integer', example: 400, description: 'What a spend may use now: points less frozen points' })
  spendable: number;
}

export class ProfilePointsDto {
  @ApiProperty({ type: ProfileSummaryDto })
  profile: ProfileSummaryDto;

  @ApiProperty({ type: [PackDto] })
  packs: PackDto[];

  @ApiProperty({ type: String, example: 'pk_test_…', description: 'For Stripe.js on the frontend' })
  publishableKey: string;

  @ApiProperty({ type: BalanceDto })
  balance: BalanceDto;
}
