import { Module, Type } from '@nestjs/common';
import { Env } from '../config/env.schema';
import { ProfilesModule } from '../profiles/profiles.module';
import { UsersModule } from '../users/users.module';
import { DemoSessionController } from './demo-session.controller';
import { DemoSessionService } from './demo-session.service';

/** What only a development server has: the demo picker's tokens (GET /dev/demo-session). */
@Module({
  imports: [UsersModule, ProfilesModule],
  controllers: [DemoSessionController],
  providers: [DemoSessionService],
})
export class DevelopmentModule {}

/**
 * The modules AppModule adds for NODE_ENV=development only. Production never registers them (its
 * routes do not exist there, rather than refusing), and neither do the tests' NODE_ENV=test apps,
 * whose route tables list exactly the product's routes.
 */
export function developmentModules(env: Pick<Env, 'NODE_ENV'>): Type[] {
  return env.NODE_ENV === 'development' ? [DevelopmentModule] : [];
}
