import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { validateEnv, ValidateOptions } from './config/env.schema';
import { DatabaseModule } from './database/database.module';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { InteractionsModule } from './interactions/interactions.module';
import { ModeratorsModule } from './moderators/moderators.module';
import { NotificationsModule } from './notifications/notifications.module';
import { PaymentsModule } from './payments/payments.module';
import { PointsModule } from './points/points.module';
import { ProfilesModule } from './profiles/profiles.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  /**
   * Reads and validates the environment when called, so callers can prepare it first (main, tests).
   * `localServices`: main.ts started the embedded database and the Stripe emulator itself.
   */
  static forRoot(options: ValidateOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, validate: (raw) => validateEnv(raw, options) }),
        EventEmitterModule.forRoot({ wildcard: false, ignoreErrors: false }),
        ScheduleModule.forRoot(),
        DatabaseModule,
        EventsModule,
        AuthModule,
        UsersModule,
        ProfilesModule,
        InteractionsModule,
        PointsModule,
        PaymentsModule,
        NotificationsModule,
        ModeratorsModule,
        HealthModule,
        AdminModule,
      ],
    };
  }
}
