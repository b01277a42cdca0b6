import { createHash, timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest as Request } from 'fastify';
import { Env } from '../config/env.schema';
import { ObservabilityError } from './observability.errors';

/**
 * With METRICS_TOKEN set, a scrape must carry `Authorization: Bearer <METRICS_TOKEN>`. Compared in
 * constant time (over SHA-256 digests, so that the length of the token does not leak either).
 * Without it the metrics are open, for a scraper on a private network.
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(env: Env) {
    this.expected = env.METRICS_TOKEN === undefined ? undefined : digest(env.METRICS_TOKEN);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const match = /^Bearer (.+)$/i.exec(header);
    if (match && timingSafeEqual(digest(match[1]), this.expected)) return true;
    throw ObservabilityError.metricsTokenRequired();
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
