import { REDACTED, secretScrubber } from './redact';

describe(secretScrubber.name, () => {
  const sut = secretScrubber([
    'jwt-secret-0123456789-abcdefghijklmnop',
    'postgres://app:p%40ss-word-1234@db.internal:5432/points',
    'short',
    undefined,
    'quote"and\\backslash-secret',
  ]);

  it('replaces every configured secret, also as it looks inside a JSON string', () => {
    const line = JSON.stringify({ msg: 'token signed with jwt-secret-0123456789-abcdefghijklmnop', detail: 'quote"and\\backslash-secret' });
    const out = sut(line);
    expect(out).not.toContain('jwt-secret-0123456789');
    expect(out).not.toContain('backslash-secret');
    expect(JSON.parse(out)).toEqual({ msg: `token signed with ${REDACTED}`, detail: REDACTED });
  });

  it('removes the password of a configured URL, alone or inside another URL', () => {
    expect(sut('password p@ss-word-1234 rejected')).toBe(`password ${REDACTED} rejected`);
    expect(sut('connecting to postgres://app:other-password@db:5432/x')).toBe(`connecting to postgres://app:${REDACTED}@db:5432/x`);
    expect(sut('redis://:hunter2hunter2@cache:6379')).toBe(`redis://:${REDACTED}@cache:6379`);
  });

  it('does not search for values too short to be told from ordinary words', () => {
    expect(sut('a short message')).toBe('a short message');
  });

  it('removes credentials recognised by their shape', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
    expect(sut(`"authorization":"Bearer ${jwt}"`)).toBe(`"authorization":"Bearer ${REDACTED}"`);
    expect(sut(`token ${jwt} refused`)).toBe(`token ${REDACTED} refused`);
    expect(sut('"Stripe-Signature":"t=1764460000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd,v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39"')).toBe(
      `"Stripe-Signature":"${REDACTED}"`,
    );
    expect(sut('key sk_live_51HxYz and rk_test_abc and whsec_0123abcd')).toBe(`key ${REDACTED} and ${REDACTED} and ${REDACTED}`);
  });

  it('leaves a line without secrets as it was', () => {
    const line = '{"level":"info","msg":"GET /profile/:profile/points 200","correlationId":"0b7c3f4e-0a4e-4a47","durationMs":3.2}';
    expect(sut(line)).toBe(line);
  });
});
