import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf, ValidateNested } from 'class-validator';
import { MAX_EMAIL_LENGTH, MAX_NAME_LENGTH } from '../../auth/platform-claims';
import { ID_PATTERN } from '../../common/ids';
import { PayoutDetailsRequestDto } from '../../payouts/dto/payouts.dto';
import { Role } from '../../users/user-role';

const ROLES = Object.values(Role);

/** `:id` of the integration routes: the platform's id, a positive integer. */
export class PlatformIdParamDto {
  @ApiProperty({ type: String, example: '4021', description: "The platform's id (a positive integer, at most 18 digits): the service's id too" })
  @Matches(ID_PATTERN, { message: 'id must be a positive integer id (at most 18 digits)' })
  id: string;
}

/** The fields of a user as the platform gives them, in PUT /integration/users/:id and in the import. */
export class PlatformUserFieldsDto {
  @ApiProperty({ enum: ROLES, example: 'client', description: 'The role that counts: a token never changes it. Only this route (or an admin) makes an admin.' })
  @IsIn(ROLES, { message: `role must be one of: ${ROLES.join(', ')}` })
  role: Role;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'Camille', maxLength: MAX_NAME_LENGTH, description: 'Optional; absent: kept as stored; null: removed' })
  @ValidateIf((_, value) => value !== undefined && value !== null)
  @MaxLength(MAX_NAME_LENGTH)
  @MinLength(1, { message: 'name must not be empty (send null to remove it)' })
  @IsString({ message: 'name must be a string or null' })
  name?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'camille@example.com', maxLength: MAX_EMAIL_LENGTH, description: 'Optional, unique when present; absent: kept as stored; null: removed' })
  @ValidateIf((_, value) => value !== undefined && value !== null)
  @Matches(/^[^\s@]+@[^\s@]+$/, { message: 'email must be an e-mail address or null' })
  @MaxLength(MAX_EMAIL_LENGTH)
  @IsString({ message: 'email must be a string or null' })
  email?: string | null;
}

export class PutIntegrationUserDto extends PlatformUserFieldsDto {
  @ApiPropertyOptional({
    type: PayoutDetailsRequestDto,
    description: "A moderator's bank account for payouts (IBAN checked, mod 97); applies from the next payout run and alerts the admins. Absent: kept as stored",
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => PayoutDetailsRequestDto)
  payout?: PayoutDetailsRequestDto;
}

export class IntegrationUserDto {
  @ApiProperty({ type: String, example: '4021' })
  id: string;

  @ApiProperty({ enum: ROLES, example: 'client' })
  role: Role;

  @ApiProperty({ type: String, nullable: true, example: 'Camille' })
  name: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'camille@example.com' })
  email: string | null;

  @ApiProperty({ type: Boolean, example: true, description: 'true: this call created the user; false: it existed and now matches the request' })
  created: boolean;
}
