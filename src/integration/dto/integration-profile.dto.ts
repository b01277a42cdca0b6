import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { ID_PATTERN } from '../../common/ids';

const toText = ({ value }: { value: unknown }) => (typeof value === 'number' ? String(value) : value);

/** The fields of a profile as the platform gives them, in PUT /integration/profiles/:id and in the import. */
export class PlatformProfileFieldsDto {
  @ApiProperty({ type: String, example: 'Sophie', maxLength: 200 })
  @MaxLength(200)
  @MinLength(1, { message: 'name must not be empty' })
  @IsString({ message: 'name is required' })
  name: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '3',
    description: 'The moderator of its new interactions (a moderator user id), or null: nobody, and points bought meanwhile are held. A change acts as PUT /profiles/:profile/moderator.',
  })
  @Transform(toText)
  @ValidateIf((_, value) => value !== null)
  @Matches(ID_PATTERN, { message: 'moderator_id must be a user id or null' })
  @IsString({ message: 'moderator_id must be a user id or null' })
  moderator_id: string | null;

  @ApiPropertyOptional({ type: Boolean, example: true, description: 'false: new checkouts are refused (409 PROFILE_INACTIVE); absent: kept as stored (a new profile: true)' })
  @IsOptional()
  @IsBoolean({ message: 'active must be true or false' })
  active?: boolean;
}

export class PutIntegrationProfileDto extends PlatformProfileFieldsDto {}

export class IntegrationProfileDto {
  @ApiProperty({ type: String, example: '7' })
  id: string;

  @ApiProperty({ type: String, example: 'Sophie' })
  name: string;

  @ApiProperty({ type: String, nullable: true, example: '3' })
  moderatorId: string | null;

  @ApiProperty({ type: Boolean, example: true })
  active: boolean;

  @ApiProperty({ type: Boolean, example: false, description: 'true: this call created the profile' })
  created: boolean;

  @ApiProperty({ type: [String], example: ['41'], description: 'Interactions the new moderator took over (those handled by nobody), as PUT /profiles/:profile/moderator answers' })
  interactionIds: string[];

  @ApiProperty({ type: 'integer', example: 0, description: 'Held points given to the new moderator by this call' })
  releasedPoints: number;
}
