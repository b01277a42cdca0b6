import { refuseClaims, TokenPolicy } from './token-policy';

const policy: TokenPolicy = { maxTtlSeconds: 86_400 };
const now = 1_800_000_000;

describe(refuseClaims.name, () => {
  it('accepts a token that expires within the lifetime cap', () => {
    expect(refuseClaims({ sub: '1', iat: now, exp: now + 3600 }, policy, now)).toBeNull();
    expect(refuseClaims({ sub: '1', iat: now - 86_000, exp: now + 400 }, policy, now)).toBeNull();
  });

  it.each([
    ['no exp', { sub: '1', iat: now }, /no expiry/],
    ['exp as a string', { sub: '1', exp: String(now + 60) }, /no expiry/],
    ['exp: 1e300', { sub: '1', iat: now, exp: 1e300 }, /lives longer/],
    ['exp: Infinity', { sub: '1', exp: Infinity }, /no expiry/],
    ['iat ten years ago', { sub: '1', iat: now - 10 * 365 * 86_400, exp: now + 60 }, /lives longer/],
    ['iat in the future', { sub: '1', iat: now + 3600, exp: now + 7200 }, /issued in the future/],
    ['a long lifetime without iat', { sub: '1', exp: now + 2 * 86_400 }, /lives longer/],
    ['iat as a string', { sub: '1', iat: 'yesterday', exp: now + 60 }, /invalid issue time/],
  ])('refuses %s', (_, claims, reason) => {
    expect(refuseClaims(claims, policy, now)).toMatch(reason);
  });

  it('tolerates 30 s of clock skew on iat', () => {
    expect(refuseClaims({ sub: '1', iat: now + 25, exp: now + 600 }, policy, now)).toBeNull();
    expect(refuseClaims({ sub: '1', iat: now + 35, exp: now + 600 }, policy, now)).toMatch(/future/);
  });
});
