import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { Env } from '../config/env.schema';
import { requestContextParams } from './logging';
import { createRootLogger, ROOT_LOGGER, RootLogger } from './root-logger';

/** Owns the one pino logger, so that nestjs-pino and the request lines share it. */
@Module({
  providers: [{ provide: ROOT_LOGGER, inject: [Env], useFactory: (env: Env) => createRootLogger(env) }],
  exports: [ROOT_LOGGER],
})
class RootLoggerModule {}

/**
 * Structured logs (SPEC §9): nestjs-pino's Logger, which main.ts makes the app's logger, and the
 * request context that puts `correlationId` on every log of a request.
 */
@Module({
  imports: [
    RootLoggerModule,
    LoggerModule.forRootAsync({ imports: [RootLoggerModule], inject: [ROOT_LOGGER], useFactory: (logger: RootLogger) => requestContextParams(logger) }),
  ],
  exports: [RootLoggerModule, LoggerModule],
})
export class LoggingModule {}
