import * as verifiedToken from '../src/auth/verified-token';
import { UsersService } from '../src/users/users.service';
import { percentile } from './http-load';
import { LoadProcess, LoadRequest } from './load-process';
import { BenchService } from './service';

export interface AuthPathResult {
  variant: 'before' | 'now';
  requests: number;
  /** CPU of the service's process per request. */
  serviceCpuMsPerRequest: number;
  p50Ms: number;
  p95Ms: number;
  errors: number;
}

/**
 * The same GETs, in the same run, through the authentication path without and with its two savings
 * ("before": the rate-limit guard and authentication each verify the token, and every request reads
 * its user from the database; "now": one verification handed on, the user from the 5 s cache).
 * "before" is restored by swapping those two pieces in this process only; the rounds alternate
 * (before, now, now, before…) so a change in the machine's load hits both. (Until the token verifier
 * moved to jose, "before" also verified from the secret as a string, which is no longer possible.)
 */
export async function compareAuthPaths(service: BenchService, load: LoadProcess, requests: LoadRequest[], concurrency: number, rounds = 2): Promise<AuthPathResult[]> {
  void service;
  // Swapped as whole functions and put back as they were; none is called through these references unbound.
  /* eslint-disable @typescript-eslint/unbound-method */
  const original = {
    tokenFor: verifiedToken.verifiedTokenFor,
    findIdentity: UsersService.prototype.findIdentity,
  };
  /* eslint-enable @typescript-eslint/unbound-method */
  const handOff = verifiedToken as unknown as { verifiedTokenFor: typeof verifiedToken.verifiedTokenFor };
  const before = () => {
    handOff.verifiedTokenFor = () => undefined;
    UsersService.prototype.findIdentity = async function (this: UsersService, id: string) {
      const user = await this.findById(id);
      return user && { id: user.id, role: user.role, email: user.email };
    };
  };
  const now = () => {
    handOff.verifiedTokenFor = original.tokenFor;
    UsersService.prototype.findIdentity = original.findIdentity;
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
