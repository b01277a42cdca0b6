import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Matches, ValidateIf } from 'class-validator';
import { ID_PATTERN } from '../../common/ids';

export class AssignModeratorDto {
  @ApiProperty({ example: '3', nullable: true, type: String, description: 'A moderator user id, or null for nobody (points are then held)' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'number' ? String(value) : value))
  @ValidateIf((_, value) => value !== null)
  @Matches(ID_PATTERN, { message: 'moderator_id must be a user id or null' })
  @IsString({ message: 'moderator_id must be a user id or null' })
  moderator_id: string | null;
}

export class AssignmentResultDto {
  @ApiProperty({ example: '3', nullable: true, type: String })
  moderatorId: string | null;

  @ApiProperty({ type: [String], example: ['41', '42'], description: 'Interactions whose moderator changed' })
  interactionIds: string[];

  @ApiProperty({ type: 'integer', example: 500, description: 'Held points given to the moderator by this assignment' })
  releasedPoints: number;
}
