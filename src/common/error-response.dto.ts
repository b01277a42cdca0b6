import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ApiErrorResponse {
  @ApiProperty({ type: 'integer', example: 400 })
  status: number;

  @ApiProperty({ type: String, example: 'VALIDATION_FAILED', description: 'Stable machine-readable error code' })
  error: string;

  @ApiProperty({ type: String, example: 'pack must be one of the following values: 100, 500, 1000' })
  message: string;

  @ApiPropertyOptional({ type: [String], description: 'Every validation problem, when there are several' })
  details?: string[];

  @ApiProperty({ type: String, example: '0b7c3f4e-0a4e-4a47-9d7b-3f0e0f1c2d3e', description: 'Quote it when reporting a problem' })
  correlationId: string;
}
