import { ApiProperty } from '@nestjs/swagger';

export class PackDto {
  @ApiProperty({ type: String, example: '500', description: 'What to send as `pack` to POST /profile-points/checkout' })
  code: string;

  @ApiProperty({ type: 'integer', example: 500 })
  points: number;

  @ApiProperty({ type: 'integer', example: 999, description: 'Price in minor units (cents)' })
  amountCents: number;

  @ApiProperty({ type: String, example: 'eur' })
  currency: string;

  @ApiProperty({ type: String, example: '9,99 €' })
  price: string;
}

export class ProfileSummaryDto {
  @ApiProperty({ type: String, example: '1' })
  id: string;

  @ApiProperty({ type: String, example: 'Sophie' })
  name: string;
}

export class BalanceDto {
  @ApiProperty({ type: 'integer', example: 400, description: 'Points the caller can still spend with this profile' })
  points: number;

  @ApiProperty({ type: 'integer', example: 500, description: 'Points the caller bought for this profile, net of reversals' })
  totalPointsReceived: number;
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
