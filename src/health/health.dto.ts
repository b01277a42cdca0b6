import { ApiProperty } from '@nestjs/swagger';

export class LivenessDto {
  @ApiProperty({ example: 'ok', enum: ['ok'] })
  status: 'ok';
}

export class ReadinessDto {
  @ApiProperty({ example: 'ok' })
  status: string;

  @ApiProperty({
    example: { database: { status: 'up' }, redis: { status: 'up' } },
    description: 'Each dependency checked (redis only when REDIS_URL is set)',
  })
  details: Record<string, unknown>;
}
