import type { Server } from 'node:http';
import { INestApplication, ValidationPipe } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { answerUnreadableUrl, API_BODY_LIMIT_BYTES, leaveNdjsonUnread, limitBodies, parseBody, refuseUnreadableUrls } from './common/body-limits';
import { answerClientError } from './common/client-errors';
import { ConnectionBudget } from './common/connection-budget';
import { limitRequestTimes } from './common/request-timeouts';
import { allowedOrigins, corsOptions } from './common/cors';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { createOpenApiDocument, serveOpenApiDocument } from './common/openapi';
import { ErrorClass, errorExamples } from './openapi-error-examples';
import { echoRequestIds } from './common/request-id';
import { applySecurityHeaders } from './common/security-headers';
import { connectionLimits, Env } from './config/env.schema';
import { EdgeIoAdapter } from './notifications/socket-io-adapter';
import { labelRoutes } from './common/route-label';
import { allowStreamedAnswers } from './common/streamed-answers';
import { OutsideRoutesLimiter } from './rate-limit/outside-routes';

/**
 * How long a connection may take, set deliberately rather than left at Node's defaults (a body sent
 * one byte every 10 s held a connection for 5 minutes). keepAliveTimeout outlives a load balancer's
 * usual 60 s idle timeout, so the balancer, not the service, closes idle keep-alive connections.
 */
export interface ServerLimits {
  /**
   * The request line and headers must arrive within this (slow-header attacks); a connection opened
   * and never used gets a 408 and is closed after the same time.
   */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this (slow-body attacks); the import excepted. */
  requestTimeoutMs: number;
  /** The import (POST /integration/import) is read as long as its bytes keep coming, at most this long apart. */
  importIdleTimeoutMs: number;
  /** An idle keep-alive connection is kept this long between requests. */
  keepAliveTimeoutMs: number;
  /** How often Node checks the two request timeouts above. */
  checkIntervalMs: number;
}

export const SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  importIdleTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  checkIntervalMs: 1_000,
};

export interface AppSetupOptions {
  /** Tests shorten them to prove they hold; production uses SERVER_LIMITS. */
  serverLimits?: Partial<ServerLimits>;
  /** Error classes of the modules an entry point adds (tools/dev), for the API document's examples. */
  errorClasses?: readonly ErrorClass[];
}

/**
 * The HTTP server of the service: Fastify (measured against Express on the service's own routes, see
 * docs/decisions/0002-fastify-instead-of-express.md). Settings that Fastify takes only when it is created: the proxies to
 * trust for the client's address (TRUST_PROXY hops, as Express's `trust proxy`), the default body
 * limit, and the hooks that must see every route and request from the first one.
 */
export function createHttpAdapter(env: Pick<Env, 'TRUST_PROXY'>): FastifyAdapter {
  const adapter = new FastifyAdapter({
    // The nearest TRUST_PROXY hops (load balancers) may set X-Forwarded-For/-Proto/-Host, as Express counts them.
    trustProxy: env.TRUST_PROXY > 0 ? (_address: string, hop: number) => hop < env.TRUST_PROXY : false,
    bodyLimit: API_BODY_LIMIT_BYTES,
    // `/points/` is `/points`, as on Express; answers while closing are the drain's own 503 (src/health).
    routerOptions: { ignoreTrailingSlash: true },
    return503OnClosing: false,
    // Requests Node cannot read or that time out answer in the service's error shape too.
    clientErrorHandler: answerClientError,
    // So does a path Fastify cannot decode (before any hook runs): the same refusal as a bad query.
    frameworkErrors: answerUnreadableUrl,
  });
  const fastify = adapter.getInstance();
  echoRequestIds(fastify);
  labelRoutes(fastify);
  refuseUnreadableUrls(fastify);
  limitBodies(fastify);
  allowStreamedAnswers(fastify);
  // The one body parser (src/common/body-limits.ts), kept by Nest instead of its defaults, with the raw body.
  fastify.removeAllContentTypeParsers();
  adapter.useBodyParser('*', true, {}, (request, body, done) => done(null, parseBody(request, body)));
  leaveNdjsonUnread(fastify);
  return adapter;
}

/** Everything main.ts applies to the app; tests apply the same, so they test what runs. */
export function configureApp(app: INestApplication, options: AppSetupOptions = {}): INestApplication {
  const env = app.get(Env);
  app.enableCors(corsOptions(allowedOrigins(env)));
  applySecurityHeaders(app as NestFastifyApplication, env);
  app.useWebSocketAdapter(new EdgeIoAdapter(app, env));
  // Before the reference client's hook: its pages count against the anonymous budget too.
  app.get(OutsideRoutesLimiter).register((app as NestFastifyApplication).getHttpAdapter().getInstance());
  applyServerLimits(app.getHttpServer() as Server, { ...SERVER_LIMITS, ...options.serverLimits });
  // Who may hold the instance's connections (MAX_CONNECTIONS, MAX_CONNECTIONS_PER_ADDRESS).
  new ConnectionBudget(connectionLimits(env)).attach(app.getHttpServer() as Server);

  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: true,
    }),
  );
  app.useGlobalFilters(new HttpExceptionFilter());
  app.enableShutdownHooks();

  serveOpenApiDocument(app, createOpenApiDocument(app, errorExamples(options.errorClasses)));
  return app;
}

export function applyServerLimits(server: Server, limits: ServerLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  // Node's whole-request timeout cannot spare the import: the service applies its own (and Node's is off).
  limitRequestTimes(server, limits);
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // Read by Node when the server starts listening, so setting it here (before listen) takes effect.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = limits.checkIntervalMs;
}
