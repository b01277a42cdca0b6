import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQuery } from '../../common/pagination';
import { PLATFORM_EVENT_TYPES } from '../platform-event-types';
import { PLATFORM_EVENT_STATUSES, type PlatformEventStatus, TRY_OUTCOMES, type TryOutcome } from '../platform-events.repository';

export class PlatformEventQuery extends PageQuery {
  @ApiPropertyOptional({ enum: PLATFORM_EVENT_STATUSES, description: 'Only events in this state; all of them when absent' })
  @IsOptional()
  @IsIn(PLATFORM_EVENT_STATUSES, { message: `status must be one of ${PLATFORM_EVENT_STATUSES.join(', ')}` })
  status?: PlatformEventStatus;
}

export class PlatformEventTryDto {
  @ApiProperty({ type: String, format: 'date-time', description: 'When the try started (the time its signature carries)' })
  attemptedAt: string;

  @ApiProperty({ enum: TRY_OUTCOMES, description: 'delivered: a 2xx within 10 s; rejected: another status; timeout: no answer within 10 s; error: no connection' })
  outcome: TryOutcome;

  @ApiProperty({ type: 'integer', nullable: true, example: 200, description: "The platform's HTTP status; null without an answer" })
  statusCode: number | null;

  @ApiProperty({ type: 'integer', example: 42, description: 'How long the try took, in milliseconds' })
  durationMs: number;

  @ApiProperty({ type: String, nullable: true, example: null, description: 'Why the try failed; null when delivered' })
  error: string | null;

  @ApiProperty({ type: Boolean, description: 'Made by POST /admin/platform-events/{id}/retry' })
  manual: boolean;
}

export class PlatformEventDto {
  @ApiProperty({ type: String, example: '17' })
  id: string;

  @ApiProperty({ type: String, example: 'msg_2f0c6b1e9a7d4c1b8e5f3a2d1c0b9a87', description: 'The webhook-id header: the same on every try of the event' })
  webhookId: string;

  @ApiProperty({ enum: PLATFORM_EVENT_TYPES })
  type: string;

  @ApiProperty({ enum: PLATFORM_EVENT_STATUSES, description: 'pending: tries left; delivered: a try got a 2xx; failed: the retry schedule is over' })
  status: PlatformEventStatus;

  @ApiProperty({ type: String, example: '42' })
  clientId: string;

  @ApiProperty({ type: String, example: '7' })
  profileId: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The body sent: {type, timestamp, data}',
    example: {
      type: 'points.spent',
      timestamp: '2026-12-01T12:00:00.000Z',
      data: { clientId: '42', profileId: '7', points: 10, reason: 'message', idempotencyKey: 'msg-981', balance: 90, spendable: 90, balanceVersion: 4 },
    },
  })
  body: Record<string, unknown>;

  @ApiProperty({ type: 'integer', example: 1, description: 'Tries so far' })
  tryCount: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the next try is due (or the current one ends); null unless pending' })
  nextAttemptAt: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  deliveredAt: string | null;

  @ApiProperty({ type: [PlatformEventTryDto], description: 'Every try, oldest first' })
  tries: PlatformEventTryDto[];
}
