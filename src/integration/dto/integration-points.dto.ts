import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Matches } from 'class-validator';
import { ID_PATTERN } from '../../common/ids';
import { SpendRequestDto } from '../../points/dto/spend.dto';

const toText = ({ value }: { value: unknown }) => (typeof value === 'number' ? String(value) : value);

export class BalanceQueryDto {
  @ApiProperty({ type: String, example: '4021' })
  @Matches(ID_PATTERN, { message: 'client_id must be a positive integer id' })
  @IsString({ message: 'client_id is required' })
  client_id: string;

  @ApiProperty({ type: String, example: '7' })
  @Matches(ID_PATTERN, { message: 'profile_id must be a positive integer id' })
  @IsString({ message: 'profile_id is required' })
  profile_id: string;
}

export class IntegrationBalanceDto {
  @ApiProperty({ type: 'integer', example: 490, description: "The client's points for the profile (negative after a refund of points already spent)" })
  balance: number;

  @ApiProperty({ type: 'integer', example: 490, description: 'What a spend can use now: the balance without frozen points, never below 0' })
  spendable: number;

  @ApiProperty({ type: 'integer', example: 3, description: 'Grows with every change of this balance: keep the answer or event with the highest version' })
  balanceVersion: number;
}

/** POST /profile-points/spend's body, on behalf of `client_id`. */
export class IntegrationSpendRequestDto extends SpendRequestDto {
  @ApiProperty({ type: String, example: '4021', description: 'The client whose balance pays' })
  @Transform(toText)
  @Matches(ID_PATTERN, { message: 'client_id must be a positive integer id' })
  @IsString({ message: 'client_id is required' })
  client_id: string;
}
