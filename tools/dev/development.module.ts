import { Module, Type } from '@nestjs/common';
import { Env } from '../../src/config/env.schema';
import { ProfilesModule } from '../../src/profiles/profiles.module';
import { UsersModule } from '../../src/users/users.module';
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
 * The modules the development entry point (tools/dev/main.ts) adds to AppModule, for
 * NODE_ENV=development only. Production never registers them (its routes do not exist there, rather
 * than refusing, and its build does not hold them), and neither do the tests' NODE_ENV=test apps,
 * whose route tables list exactly the product's routes.
 */
export function developmentModules(env: Pick<Env, 'NODE_ENV'>): Type[] {
  return env.NODE_ENV === 'development' ? [DevelopmentModule] : [];
}
