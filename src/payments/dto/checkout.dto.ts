import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, Matches } from 'class-validator';
import { ID_PATTERN } from '../../common/ids';

const toText = ({ value }: { value: unknown }) => (typeof value === 'number' ? String(value) : value);

export class CheckoutRequestDto {
  @ApiProperty({ type: String, example: '1', description: 'The profile the points are for (a number or a numeric string)' })
  @Transform(toText)
  @Matches(ID_PATTERN, { message: 'profile_id must be a positive integer id' })
  @IsString({ message: 'profile_id is required' })
  profile_id: string;

  @ApiProperty({ type: String, example: '500', description: 'The pack code: see GET /profile/{profile}/points for what is sold' })
  @Transform(toText)
  @Matches(/^\d{1,9}$/, { message: 'pack must be a pack code such as "100", "500" or "1000"' })
  @IsString({ message: 'pack is required' })
  pack: string;

  @ApiPropertyOptional({ type: String,
    example: 'en',
    description:
      "The buyer's language (a BCP 47 tag such as `en`, `fr`, `fr-CA`): the Checkout line item reads \"500 points for Sophie\" " +
      'in English, "500 points pour Sophie" in French, and Stripe\'s page uses it. Other or no language: the original label, ' +
      '"500 Points pour Sophie", and Stripe picks the page language.',
  })
  @IsOptional()
  @Matches(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, { message: 'locale must be a language tag such as "en" or "fr-FR"' })
  @IsString()
  locale?: string;
}

export class CheckoutResponseDto {
  @ApiProperty({ type: String, example: 'cs_test_a1b2c3' })
  sessionId: string;

  @ApiProperty({ type: String, example: 'https://checkout.stripe.com/c/pay/cs_test_a1b2c3', description: 'Send the client here to pay' })
  url: string;

  @ApiProperty({ type: String, example: '42' })
  transactionId: string;
}
