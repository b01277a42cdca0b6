import type { IncomingMessage } from 'node:http';
import { INestApplication } from '@nestjs/common';
import { Logger, Params } from 'nestjs-pino';
import { requestIdOf } from '../common/request-id';
import { HttpObserver } from './http-observer';
import { RootLogger } from './root-logger';

/**
 * nestjs-pino's middleware gives the logs made while a request is handled its `correlationId` (the
 * id of the `X-Request-Id` header and of the error body). It logs no line itself: the one line per
 * request comes from HttpObserver, which also sees the requests refused before routing.
 */
export function requestContextParams(logger: RootLogger): Params {
  return {
    pinoHttp: {
      logger,
      autoLogging: false,
      quietReqLogger: true,
      genReqId: (request: IncomingMessage) => requestIdOf(request),
      customAttributeKeys: { reqId: 'correlationId' },
    },
  };
}

/**
 * Makes the app log through pino (flushing what `bufferLogs` held back) and log one line per HTTP
 * request. main.ts calls it; tests that build the app themselves keep Nest's quiet logger.
 */
export function useStructuredLogging(app: INestApplication): void {
  app.useLogger(app.get(Logger));
  app.get(HttpObserver).logRequests();
}
