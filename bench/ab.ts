import { JwtService } from '@nestjs/jwt';
import * as verifiedToken from '../src/auth/verified-token';
import { JwtStrategy } from '../src/auth/jwt.strategy';
import { UsersService } from '../src/users/users.service';
import { percentile } from './http-load';
import { LoadProcess, LoadRequest } from './load-process';
import { BENCH_JWT_SECRET, BenchService } from './service';

export interface AuthPathResult {
  variant: 'before' | 'now';
  requests: number;
  /** CPU of the service's process per request. */
  serviceCpuMsPerRequest: number;
  p50Ms: number;
  p95Ms: number;
  errors: number;
}

type SecretProvider = (request: unknown, token: string, done: (error: Error | null, secret?: unknown) => void) => void;

/**
 * The same GETs, in the same run, through the authentication path as it was ("before": the rate-limit
 * guard and passport-jwt each verify the token, both from the secret as a string, and every request
 * reads its user from the database) and as it is ("now": one verification with a key object, the user
 * from the 5 s cache). "before" is restored by swapping those three pieces back in this process only;
 * the rounds alternate (before, now, now, before…) so a change in the machine's load hits both.
 */
export async function compareAuthPaths(service: BenchService, load: LoadProcess, requests: LoadRequest[], concurrency: number, rounds = 2): Promise<AuthPathResult[]> {
  const strategy: { _secretOrKeyProvider: SecretProvider } = service.app.get<JwtStrategy, { _secretOrKeyProvider: SecretProvider }>(JwtStrategy);
  // Swapped as whole functions and put back as they were; none is called through these references unbound.
  /* eslint-disable @typescript-eslint/unbound-method */
  const original = {
    claimsFor: verifiedToken.verifiedClaimsFor,
    findIdentity: UsersService.prototype.findIdentity,
    verify: JwtService.prototype.verify,
    secret: strategy._secretOrKeyProvider,
  };
  /* eslint-enable @typescript-eslint/unbound-method */
  const handOff = verifiedToken as unknown as { verifiedClaimsFor: typeof verifiedToken.verifiedClaimsFor };
  const before = () => {
    handOff.verifiedClaimsFor = () => undefined;
    UsersService.prototype.findIdentity = function (this: UsersService, id: string) {
      return this.findById(id);
    };
    JwtService.prototype.verify = function (this: JwtService, token: string, options?: object) {
      return original.verify.call(this, token, { ...options, secret: BENCH_JWT_SECRET }) as never;
    };
    strategy._secretOrKeyProvider = (_request, _token, done) => done(null, BENCH_JWT_SECRET);
  };
  const now = () => {
    handOff.verifiedClaimsFor = original.claimsFor;
    UsersService.prototype.findIdentity = original.findIdentity;
    JwtService.prototype.verify = original.verify;
    strategy._secretOrKeyProvider = original.secret;
  };

  const runs: Record<AuthPathResult['variant'], { cpuMs: number; latencies: number[]; errors: number }> = {
    before: { cpuMs: 0, latencies: [], errors: 0 },
    now: { cpuMs: 0, latencies: [], errors: 0 },
  };
  try {
    const order: Array<AuthPathResult['variant']> = [];
    for (let round = 0; round < rounds; round++) order.push(...(round % 2 === 0 ? (['before', 'now'] as const) : (['now', 'before'] as const)));
    for (const variant of order) {
      if (variant === 'before') before();
      else now();
      let cpu: NodeJS.CpuUsage | undefined;
      const { results } = await load.run(requests, concurrency, () => {
        cpu = process.cpuUsage();
        return Promise.resolve();
      });
      const used = process.cpuUsage(cpu);
      runs[variant].cpuMs += (used.user + used.system) / 1000;
      runs[variant].latencies.push(...results.map((result) => result.ms));
      runs[variant].errors += results.filter((result) => result.status !== 200).length;
    }
  } finally {
    now();
  }
  return (['before', 'now'] as const).map((variant) => {
    const { cpuMs, latencies, errors } = runs[variant];
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      variant,
      requests: sorted.length,
      serviceCpuMsPerRequest: cpuMs / sorted.length,
      p50Ms: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
      errors,
    };
  });
}
