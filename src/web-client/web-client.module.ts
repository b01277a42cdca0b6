import { Logger, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { Env } from '../config/env.schema';
import { WebClientMiddleware } from './web-client.middleware';

/** SERVE_WEB_CLIENT, which defaults to true outside production. */
export function servesWebClient(env: Pick<Env, 'SERVE_WEB_CLIENT' | 'NODE_ENV'>): boolean {
  return env.SERVE_WEB_CLIENT ?? env.NODE_ENV !== 'production';
}

/**
 * The reference client (web/) at `/`. A middleware rather than routes: it must answer a browser's
 * navigation to the Checkout return URLs before the API routes of the same paths, and it adds no
 * route to the API's table.
 */
@Module({})
export class WebClientModule implements NestModule {
  constructor(private readonly env: Env) {}

  configure(consumer: MiddlewareConsumer): void {
    if (!servesWebClient(this.env)) return;
    consumer.apply(WebClientMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
    new Logger('WebClient').log('Serving the reference client at /');
  }
}
