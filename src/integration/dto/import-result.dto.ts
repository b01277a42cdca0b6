import { ApiProperty } from '@nestjs/swagger';

export class ImportRefusalDto {
  @ApiProperty({ type: 'integer', example: 12, description: 'Line number in the body, from 1' })
  line: number;

  @ApiProperty({ type: String, example: 'NOT_A_MODERATOR: user 3 does not exist or is not a moderator', description: 'Error code, then why' })
  error: string;
}

export class ImportResultDto {
  @ApiProperty({ type: 'integer', example: 120000, description: 'Users and profiles created' })
  created: number;

  @ApiProperty({ type: 'integer', example: 35, description: 'Users and profiles that existed and now match their line' })
  updated: number;

  @ApiProperty({ type: [ImportRefusalDto], description: 'Lines not applied, in order (the first 1,000); every other line was applied' })
  refused: ImportRefusalDto[];

  @ApiProperty({ type: 'integer', example: 2, description: 'How many lines were refused in all' })
  refusedCount: number;
}
