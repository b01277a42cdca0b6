import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult } from '@nestjs/terminus';
import { Public } from '../auth/auth.decorators';
import { ApiErrorResponse } from '../common/error-response.dto';
import { NoRateLimit } from '../rate-limit/rate-limit.decorators';
import { LivenessDto, ReadinessDto } from './health.dto';
import { Readiness } from './readiness';

@ApiTags('health')
@Controller('health')
@NoRateLimit()
export class HealthController {
  constructor(private readonly readiness: Readiness) {}

  @Get()
  @Public()
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({ summary: 'Readiness, kept at its first path for existing probes: the same as /health/ready' })
  @ApiOkResponse({ type: ReadinessDto, description: 'Ready: every dependency answers' })
  @ApiServiceUnavailableResponse({
    type: ApiErrorResponse,
    description: 'SHUTTING_DOWN from the first moment of shutdown (SIGTERM); NOT_READY when a dependency is down, named in the message',
  })
  check(): Promise<HealthCheckResult> {
    return this.readiness.check();
  }

  @Get('live')
  @Public()
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({
    summary: 'Liveness: the process answers',
    description: 'Checks no dependency (a database outage must not get the process restarted), and stays 200 while the instance drains.',
  })
  @ApiOkResponse({ type: LivenessDto, description: 'The process answers' })
  @ApiServiceUnavailableResponse({ type: ApiErrorResponse, description: 'never from a live process; listed for the error shape' })
  live(): LivenessDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({
    summary: 'Readiness: send traffic here?',
    description:
      'The database answers and the instance is not shutting down; Redis (REDIS_URL) and the read replica (DATABASE_READ_URL) are reported, `degraded` when unreachable, and never make it unready. A load balancer drains the instance on 503.',
  })
  @ApiOkResponse({ type: ReadinessDto, description: 'Ready: every dependency answers' })
  @ApiServiceUnavailableResponse({
    type: ApiErrorResponse,
    description: 'SHUTTING_DOWN from the first moment of shutdown (SIGTERM); NOT_READY when a dependency is down, named in the message',
  })
  ready(): Promise<HealthCheckResult> {
    return this.readiness.check();
  }
}
