import { Module } from '@nestjs/common';
import { Env } from '../config/env.schema';
import { UsersModule } from '../users/users.module';
import { Authenticator } from './authenticator';
import { IntegrationCredential } from './integration-credential';
import { PlatformKeys } from './platform-keys';
import { PLATFORM_KEYS, TokenVerifier } from './token-verifier';

/**
 * Token verification and the callers it names, without any guard: the rate-limit module (whose
 * guard must run before authentication's) and the auth and notifications modules all use this one.
 */
@Module({
  imports: [UsersModule],
  providers: [
    { provide: PLATFORM_KEYS, inject: [Env], useFactory: (env: Env) => (env.JWT_JWKS_URL ? new PlatformKeys(env.JWT_JWKS_URL) : null) },
    TokenVerifier,
    Authenticator,
    IntegrationCredential,
  ],
  exports: [TokenVerifier, Authenticator, IntegrationCredential],
})
export class TokenModule {}
