import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WEBHOOK_PATH } from '../common/body-limits';
import { OPERATIONS_PATHS } from '../common/operations-paths';
import { requestIdOf } from '../common/request-id';
import { routeTemplateOf } from '../common/route-label';
import { MetricsService } from './metrics.service';
import { ROOT_LOGGER, RootLogger } from './root-logger';
import { WebhookFacts, webhookFactsOf } from './webhook-outcome.interceptor';

/** socket.io's long-polling requests: transport traffic of open sockets, not API requests. */
const SOCKET_IO_PATH = '/socket.io/';
/** The status recorded for a request whose client went away before the answer was sent (nginx's convention). */
export const CLIENT_CLOSED_REQUEST = 499;

type Level = 'debug' | 'info' | 'warn' | 'error';

export interface RequestLine {
  correlationId: string;
  method: string;
  route: string;
  status: number;
  durationMs: number;
  userId?: string;
  aborted?: true;
}

/**
 * Sees every HTTP request from the server itself ('request' event), so that the answers given
 * before any route runs (a body that is not JSON or too large, a preflight, an unknown path) are
 * measured and logged too. When the answer has left (or the client has gone), it records
 * `http_request_duration_seconds` and, once logging is on, writes the request's one line:
 * `correlationId`, `method`, `route` (the template), `status`, `durationMs`, plus `eventId`,
 * `eventType` and `outcome` for a Stripe webhook. No header, body or raw URL is logged.
 */
@Injectable()
export class HttpObserver implements OnModuleInit {
  private logging = false;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MetricsService,
    @Inject(ROOT_LOGGER) private readonly logger: RootLogger,
  ) {}

  onModuleInit(): void {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    server.on('request', (request: IncomingMessage, response: ServerResponse) => this.observe(request, response));
  }

  /** Turns the per-request log line on (see useStructuredLogging). */
  logRequests(): void {
    this.logging = true;
  }

  private observe(request: IncomingMessage, response: ServerResponse): void {
    if (request.url?.startsWith(SOCKET_IO_PATH)) return;
    const started = process.hrtime.bigint();
    let done = false;
    const finished = () => {
      if (done) return;
      done = true;
      this.record(request, response, Number(process.hrtime.bigint() - started) / 1e9);
    };
    response.once('finish', finished);
    response.once('close', finished);
  }

  private record(request: IncomingMessage, response: ServerResponse, seconds: number): void {
    const method = request.method ?? 'UNKNOWN';
    const route = routeTemplateOf(request);
    const aborted = !response.writableFinished;
    const status = aborted ? CLIENT_CLOSED_REQUEST : response.statusCode;
    this.metrics.observeRequest(method, route, status, seconds);
    const webhook = route === WEBHOOK_PATH ? webhookFactsOf(request, status) : undefined;
    if (webhook) this.metrics.countWebhook(webhook.eventType, webhook.outcome);
    if (!this.logging) return;

    const userId = (request as IncomingMessage & { user?: { id?: unknown } }).user?.id;
    const line: RequestLine & Partial<WebhookFacts> = {
      correlationId: requestIdOf(request),
      method,
      route,
      status,
      durationMs: Math.round(seconds * 1e6) / 1e3,
      ...(typeof userId === 'string' && { userId }),
      ...(aborted && { aborted: true as const }),
      ...webhook,
    };
    this.logger[levelOf(route, status)](line, `${method} ${route} ${status}${webhook ? ` ${webhook.eventType} ${webhook.outcome}` : ''}`);
  }
}

/** 5xx are errors (503 excepted: a deliberate "retry later"), 4xx warnings, probes and scrapes debug. */
function levelOf(route: string, status: number): Level {
  if (status >= 500 && status !== 503) return 'error';
  if (status >= 400) return 'warn';
  // Probes and scrapes arrive every few seconds from every balancer and Prometheus: debug when they succeed.
  return OPERATIONS_PATHS.has(route) ? 'debug' : 'info';
}
