import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Env } from '../config/env.schema';
import { bearerTokenOf } from './verified-token';

/**
 * The platform backend's credential for /integration/* (INTEGRATION_TOKEN): one token, or several
 * during a rotation (the new one added, the backend switched, the old one removed). Compared in
 * constant time, on digests so that neither the length nor the content of a configured token leaks.
 */
@Injectable()
export class IntegrationCredential {
  private readonly digests: Buffer[];

  constructor(env: Env) {
    this.digests = (env.INTEGRATION_TOKEN ?? []).map(digest);
  }

  /** Whether the integration routes exist at all: without a token they answer 404. */
  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** Whether an `Authorization` header carries one of the configured tokens. */
  accepts(authorization: string | undefined): boolean {
    const token = bearerTokenOf(authorization);
    if (token === null || !this.enabled) return false;
    const given = digest(token);
    // Every configured token is compared, whichever matches: the time taken says nothing.
    return this.digests.reduce((found, expected) => timingSafeEqual(given, expected) || found, false);
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
