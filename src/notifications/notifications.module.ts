import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtModule } from '@nestjs/jwt';
import { Env } from '../config/env.schema';
import { UsersModule } from '../users/users.module';
import { NotifyClientWhenPurchaseCompleted, NotifyModeratorWhenPointsPurchased } from './listeners/notify-on-purchase';
import { NotificationsGateway } from './notifications.gateway';

@Module({
  imports: [
    UsersModule,
    JwtModule.registerAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<Env, true>) => ({ secret: config.get('JWT_SECRET', { infer: true }) }),
    }),
  ],
  providers: [NotificationsGateway, NotifyModeratorWhenPointsPurchased, NotifyClientWhenPurchaseCompleted],
})
export class NotificationsModule {}
