import { Injectable } from '@nestjs/common';
import { Env } from '../../src/config/env.schema';
import { ProfilesService } from '../../src/profiles/profiles.service';
import { UsersService } from '../../src/users/users.service';
import { findDemoData, signToken } from './demo-seed';
import { DemoSessionDto } from './demo-session.dto';
import { DevelopmentError } from './development.errors';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

@Injectable()
export class DemoSessionService {
  constructor(
    private readonly users: UsersService,
    private readonly profiles: ProfilesService,
    private readonly env: Env,
  ) {}

  /**
   * The demo users with fresh tokens, for the reference client's picker. Only to this machine: a
   * development server that listens on every interface (DATABASE_URL set) must not hand an admin
   * token to its network. The TCP peer decides, never a forwarded-for header; and the request must
   * be addressed to a loopback name, so that a page of another site whose name an attacker points at
   * 127.0.0.1 (DNS rebinding) cannot read the tokens from the developer's own browser.
   */
  async session(remoteAddress: string | undefined, host: string | undefined): Promise<DemoSessionDto> {
    if (remoteAddress === undefined || !LOOPBACK.has(remoteAddress) || !isLoopbackHost(host)) throw DevelopmentError.localOnly();
    // Without JWT_SECRET (the platform's keys only) the service signs no token: there are no demo users to act as.
    const data = this.env.JWT_SECRET === undefined ? null : await findDemoData({ users: this.users, profiles: this.profiles });
    if (data === null) throw DevelopmentError.demoDataMissing();
    return {
      profileId: data.profile.id,
      profileName: data.profile.name,
      users: data.users.map((user) => {
        const { token, expiresAt } = signToken(this.env, user);
        return { ...user, token, expiresAt: expiresAt.toISOString() };
      }),
    };
  }
}

/** `localhost`, `127.0.0.1` or `[::1]`, with or without a port. */
function isLoopbackHost(host: string | undefined): boolean {
  return host !== undefined && /^(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/i.test(host);
}
