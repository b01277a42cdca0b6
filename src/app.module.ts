import { DynamicModule, Module, Type } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { Env, validateEnv, ValidateOptions } from './config/env.schema';
import { DatabaseModule } from './database/database.module';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { IntegrationModule } from './integration/integration.module';
import { InteractionsModule } from './interactions/interactions.module';
import { ModeratorsModule } from './moderators/moderators.module';
import { NotificationsModule } from './notifications/notifications.module';
import { ObservabilityModule } from './observability/observability.module';
import { PaymentsModule } from './payments/payments.module';
import { PayoutsModule } from './payouts/payouts.module';
import { PlatformWebhooksModule } from './platform-webhooks/platform-webhooks.module';
import { PointsModule } from './points/points.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { RedisModule } from './redis/redis.module';
import { RetentionModule } from './retention/retention.module';
import { ProfilesModule } from './profiles/profiles.module';
import { UsersModule } from './users/users.module';
import { WebClientModule } from './web-client/web-client.module';

export interface AppModuleOptions extends ValidateOptions {
  /** What the entry point adds: tools/dev/main.ts the development modules (GET /dev/demo-session). */
  modules?: Array<Type | DynamicModule>;
}

@Module({})
export class AppModule {
  /**
   * Reads and validates the environment when called, so callers can prepare it first (main, tests).
   * `localServices`: the entry point started the embedded database and the Stripe emulator itself.
   */
  static forRoot({ modules = [], ...options }: AppModuleOptions = {}): DynamicModule {
    const env = validateEnv(process.env, options);
    return {
      module: AppModule,
      global: true,
      // The validated settings as one typed object, injected wherever a setting is read (`env.PORT`).
      providers: [{ provide: Env, useValue: env }],
      exports: [Env],
      imports: [
        EventEmitterModule.forRoot({ wildcard: false, ignoreErrors: false }),
        ScheduleModule.forRoot(),
        DatabaseModule,
        RedisModule,
        EventsModule,
        // Before AuthModule: its global guard runs first, so floods of bad tokens are limited too.
        RateLimitModule,
        AuthModule,
        UsersModule,
        ProfilesModule,
        InteractionsModule,
        PointsModule,
        PaymentsModule,
        NotificationsModule,
        ModeratorsModule,
        PayoutsModule,
        HealthModule,
        ObservabilityModule,
        AdminModule,
        PlatformWebhooksModule,
        RetentionModule,
        WebClientModule,
        IntegrationModule,
        ...modules,
      ],
    };
  }
}
