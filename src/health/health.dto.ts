import { ApiProperty, type SchemaObject } from '@nestjs/swagger';

export class LivenessDto {
  @ApiProperty({ example: 'ok', enum: ['ok'] })
  status: 'ok';
}

const DEPENDENCIES: { type: 'object'; additionalProperties: SchemaObject } = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    properties: { status: { type: 'string', enum: ['up', 'down', 'degraded'], example: 'up' } },
    required: ['status'],
    additionalProperties: true,
  },
};

/** Terminus's answer when every dependency is up (a failure is a 503 ApiErrorResponse). */
export class ReadinessDto {
  @ApiProperty({ type: String, enum: ['ok'], example: 'ok' })
  status: 'ok';

  @ApiProperty({ ...DEPENDENCIES, example: { database: { status: 'up' }, redis: { status: 'up' } }, description: 'The dependencies that are up' })
  info: Record<string, { status: string }>;

  @ApiProperty({ ...DEPENDENCIES, example: {}, description: 'The dependencies that are down: always empty in a 200' })
  error: Record<string, { status: string }>;

  @ApiProperty({
    ...DEPENDENCIES,
    example: { database: { status: 'up' }, redis: { status: 'up' } },
    description:
      'Each dependency checked (redis only when REDIS_URL is set, replica only when DATABASE_READ_URL is set). Redis `degraded`: unreachable, the instance serves without it (per-instance rate limits, alerts to its own sockets) and stays ready. ' +
      'Replica `up` with `lagSeconds` (its replay delay), or `degraded`: unreachable, histories, statements and reports are read from the primary and the instance stays ready',
  })
  details: Record<string, { status: string }>;
}
