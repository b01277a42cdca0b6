import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TokenModule } from '../auth/token.module';
import { UsersModule } from '../users/users.module';
import { AsyncApiController } from './asyncapi/asyncapi.controller';
import { Notification } from './entities/notification.entity';
import { handshakeLimiterProvider } from './handshake-limit';
import { NOTIFICATION_LISTENERS } from './listeners/notify-users';
import { NotificationsController } from './notifications.controller';
import { NotificationsGateway } from './notifications.gateway';
import { NotificationsRepository } from './notifications.repository';
import { NotificationsRetention } from './notifications-retention.service';
import { NotificationsService } from './notifications.service';
import { Notifier } from './notifier';
import { RealtimeClusterLifecycle, realtimeClusterProvider } from './realtime-cluster';
import { socketQuotaProvider } from './socket-quota';

/**
 * Integration events in (through the outbox relay), per-user notifications out: stored, listed over
 * REST, pushed over socket.io. Talks to other modules only through events; TokenModule authenticates sockets.
 */
@Module({
  imports: [
    UsersModule,
    TypeOrmModule.forFeature([Notification]),
    TokenModule,
  ],
  controllers: [NotificationsController, AsyncApiController],
  providers: [
    realtimeClusterProvider,
    RealtimeClusterLifecycle,
    socketQuotaProvider,
    handshakeLimiterProvider,
    NotificationsService,
    NotificationsRepository,
    NotificationsRetention,
    NotificationsGateway,
    Notifier,
    ...NOTIFICATION_LISTENERS,
  ],
  exports: [NotificationsRetention],
})
export class NotificationsModule {}
