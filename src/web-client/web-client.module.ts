import { Logger, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Env } from '../config/env.schema';
import { serveWebClient, WEB_CLIENT_DIR } from './serve-web-client';

/** SERVE_WEB_CLIENT, which defaults to true outside production. */
export function servesWebClient(env: Pick<Env, 'SERVE_WEB_CLIENT' | 'NODE_ENV'>): boolean {
  return env.SERVE_WEB_CLIENT ?? env.NODE_ENV !== 'production';
}

/**
 * The reference client (web/) at `/`: a request hook on the service's Fastify (see serveWebClient),
 * which answers a browser's navigation to the Checkout return URLs before the API routes of the same
 * paths and adds no route to the API's table.
 */
@Module({})
export class WebClientModule implements OnModuleInit {
  private readonly logger = new Logger('WebClient');

  constructor(
    private readonly env: Env,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    // Only on the service's HTTP adapter, Fastify; a context without one (no HTTP server) goes without it.
    if (!servesWebClient(this.env) || adapter?.getType() !== 'fastify') return;
    serveWebClient(adapter.getInstance<FastifyInstance>());
    if (!existsSync(join(WEB_CLIENT_DIR, 'index.html'))) {
      this.logger.warn(`The reference client is not built (no ${WEB_CLIENT_DIR}/index.html): run npm run build:web`);
    }
    this.logger.log('Serving the reference client at /');
  }
}
