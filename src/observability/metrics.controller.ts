import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse, getSchemaPath } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { Public } from '../auth/auth.decorators';
import { ApiErrorResponse } from '../common/error-response.dto';
import { NoRateLimit } from '../rate-limit/rate-limit.decorators';
import { MetricsTokenGuard } from './metrics-token.guard';
import { MetricsService } from './metrics.service';

const EXAMPLE = `# HELP points_credited_total Points credited to clients' balances by paid purchases
# TYPE points_credited_total counter
points_credited_total 1500
# HELP outbox_pending_events Events committed to the outbox and not yet published
# TYPE outbox_pending_events gauge
outbox_pending_events 0
`;

@ApiTags('operations')
@Controller('metrics')
@NoRateLimit()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Public()
  @UseGuards(MetricsTokenGuard)
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Prometheus metrics (text exposition format)',
    description:
      'http_request_duration_seconds, stripe_webhook_events_total, points_credited_total, points_spent_total, ' +
      'outbox_pending_events, outbox_oldest_pending_age_seconds, socket_connections, reconciliation_mismatches, ' +
      'platform_webhook_deliveries_total, platform_webhook_pending and the ' +
      'default process metrics. No JWT: when METRICS_TOKEN is set, `Authorization: Bearer <METRICS_TOKEN>`. Never rate-limited.',
  })
  @ApiOkResponse({ description: 'The metrics of this instance', content: { 'text/plain': { schema: { type: 'string', example: EXAMPLE } } } })
  @ApiUnauthorizedResponse({
    description: 'UNAUTHORIZED: METRICS_TOKEN is set and the bearer token is missing or wrong',
    content: { 'application/json': { schema: { $ref: getSchemaPath(ApiErrorResponse) } } },
  })
  scrape(): Promise<string> {
    return this.metrics.render();
  }
}
