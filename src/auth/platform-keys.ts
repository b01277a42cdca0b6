import { Logger } from '@nestjs/common';
import { createLocalJWKSet, createRemoteJWKSet, errors, type JWTVerifyGetKey } from 'jose';

/** SPEC §10: an unknown `kid` fetches the set again at most once per 30 s. */
export const JWKS_COOLDOWN_MS = 30_000;
/** A set older than this is fetched again before use (keys removed by the platform stop working). */
export const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
/** One fetch of the set may take this long. */
export const JWKS_TIMEOUT_MS = 5_000;

export interface PlatformKeyTimings {
  cooldownMs: number;
  cacheMaxAgeMs: number;
  timeoutMs: number;
}

export const PLATFORM_KEY_TIMINGS: PlatformKeyTimings = { cooldownMs: JWKS_COOLDOWN_MS, cacheMaxAgeMs: JWKS_CACHE_MAX_AGE_MS, timeoutMs: JWKS_TIMEOUT_MS };

/** Why a token's key could not be found in the platform's set: the token's fault (401). */
export class KeyRefused extends Error {}

/** The platform's set could not be fetched and no earlier copy exists: the service's failure (503). */
export class KeySetUnavailable extends Error {}

type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;

/**
 * The platform's public keys (JWT_JWKS_URL), through jose's remote key set: fetched once and cached,
 * fetched again when a token names an unknown `kid` (at most once per cooldown) or when the copy is
 * older than the cache age, each fetch bounded by a timeout. jose picks a key by `kid`, and without a
 * `kid` only when the set holds exactly one key for the token's algorithm; it refuses otherwise
 * (ERR_JWKS_MULTIPLE_MATCHING_KEYS), and that refusal is never retried with each key in turn.
 *
 * When a fetch fails (the platform down, a timeout, a broken answer), the last set fetched keeps
 * verifying tokens, and the next fetch waits for the cooldown: a platform outage neither stops the
 * users it already let in nor makes every request wait for a timeout.
 */
export class PlatformKeys {
  private readonly logger = new Logger(PlatformKeys.name);
  private readonly remote: RemoteKeySet;
  private failedAt: number | undefined;
  private lastGood: JWTVerifyGetKey | undefined;

  constructor(
    readonly url: string,
    private readonly timings: PlatformKeyTimings = PLATFORM_KEY_TIMINGS,
  ) {
    this.remote = createRemoteJWKSet(new URL(url), {
      cooldownDuration: timings.cooldownMs,
      cacheMaxAge: timings.cacheMaxAgeMs,
      timeoutDuration: timings.timeoutMs,
    });
  }

  /** The key resolver handed to jose's jwtVerify. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    if (this.failedAt !== undefined && Date.now() - this.failedAt < this.timings.cooldownMs && this.lastGood) {
      return this.resolve(this.lastGood, header, token);
    }
    try {
      const key = await this.remote(header, token);
      this.failedAt = undefined;
      return key;
    } catch (error) {
      if (isTokenSide(error)) throw refusalOf(error);
      this.failedAt = Date.now();
      const known = this.remote.jwks();
      this.logger.warn(`JWT_JWKS_URL could not be read (${(error as Error).message}); ${known ? 'verifying with the last set fetched' : 'no set fetched yet'}`);
      if (!known) throw new KeySetUnavailable('The platform\'s key set (JWT_JWKS_URL) cannot be read right now');
      this.lastGood = createLocalJWKSet(known);
      return this.resolve(this.lastGood, header, token);
    }
  };

  /** Fetches the set now (at boot: a wrong URL shows in the log at once, not at the first login). */
  async warm(): Promise<void> {
    try {
      await this.remote.reload();
    } catch (error) {
      this.logger.warn(`JWT_JWKS_URL could not be read at startup (${(error as Error).message}); it is fetched again when a token arrives`);
    }
  }

  private async resolve(set: JWTVerifyGetKey, ...args: Parameters<JWTVerifyGetKey>) {
    try {
      return await set(...args);
    } catch (error) {
      throw isTokenSide(error) ? refusalOf(error) : error;
    }
  }
}

/** A lookup that failed because of what the token names (its kid, its algorithm), not because of the set. */
function isTokenSide(error: unknown): boolean {
  return error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys || error instanceof errors.JOSENotSupported;
}

function refusalOf(error: unknown): KeyRefused {
  if (error instanceof errors.JWKSMultipleMatchingKeys) {
    return new KeyRefused('The token names no key (kid) and the platform\'s key set holds several for its algorithm');
  }
  if (error instanceof errors.JWKSNoMatchingKey) return new KeyRefused('The token is signed with a key the platform\'s key set does not hold');
  return new KeyRefused('The token\'s algorithm is not one the platform\'s keys are used with');
}
