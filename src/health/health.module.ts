import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { Readiness } from './readiness';
import { GracefulShutdown, RefuseNewWorkWhileDraining } from './shutdown';

/** Liveness, readiness, and draining on shutdown (SPEC §9). */
@Module({
  imports: [TerminusModule],
  controllers: [HealthController],
  providers: [Readiness, GracefulShutdown],
  exports: [GracefulShutdown],
})
export class HealthModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RefuseNewWorkWhileDraining).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
