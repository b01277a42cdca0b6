import { ConfigValidationError, DEVELOPMENT_JWT_SECRET, validateEnv } from './env.schema';

const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://app:secret@db:5432/points',
  JWT_SECRET: 'a-production-secret-that-is-long-enough',
  STRIPE_SECRET_KEY: 'sk_live_abc123',
  STRIPE_WEBHOOK_SECRET: 'whsec_abc123',
};

function problemsOf(raw: Record<string, string>): string[] {
  try {
    validateEnv(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as ConfigValidationError).problems;
  }
  throw new Error('expected the configuration to be refused');
}

describe(validateEnv.name, () => {
  it('starts a development machine with nothing configured', () => {
    const sut = validateEnv({});
    expect(sut).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      DB_MIGRATIONS_RUN: true,
      STRIPE_WEBHOOK_TOLERANCE: 300,
      JWT_SECRET: DEVELOPMENT_JWT_SECRET,
    });
    expect(sut.DATABASE_URL).toBeUndefined();
    expect(sut.STRIPE_SECRET_KEY).toBeUndefined();
  });

  it('accepts a complete production configuration and converts types', () => {
    const sut = validateEnv({ ...PRODUCTION, PORT: '8080', DB_MIGRATIONS_RUN: 'false', STRIPE_WEBHOOK_TOLERANCE: '120' });
    expect(sut).toMatchObject({ PORT: 8080, DB_MIGRATIONS_RUN: false, STRIPE_WEBHOOK_TOLERANCE: 120, JWT_SECRET: PRODUCTION.JWT_SECRET });
  });

  it.each(['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'JWT_SECRET', 'DATABASE_URL'] as const)(
    'refuses production without %s, naming it',
    (name) => {
      const raw: Record<string, string> = { ...PRODUCTION };
      delete raw[name];
      expect(problemsOf(raw).join('\n')).toContain(name);
    },
  );

  it('never prints a secret in its messages', () => {
    const problems = problemsOf({ ...PRODUCTION, JWT_SECRET: 'short-but-secret', STRIPE_SECRET_KEY: 'pk_oops_visible' });
    expect(problems.join('\n')).not.toMatch(/short-but-secret|pk_oops_visible/);
    expect(problems.join('\n')).toMatch(/JWT_SECRET=\(hidden\): JWT_SECRET must be at least 32 characters/);
  });

  it.each([
    ['PORT', 'eighty', /PORT/],
    ['DB_MIGRATIONS_RUN', 'maybe', /DB_MIGRATIONS_RUN/],
    ['STRIPE_WEBHOOK_TOLERANCE', '0', /at least 1 second/],
    ['APP_URL', 'not a url', /APP_URL/],
    ['REDIS_URL', 'http://redis', /redis:\/\//],
    ['STRIPE_WEBHOOK_SECRET', 'secret', /whsec_/],
  ])('refuses %s=%s with a clear message', (name, value, message) => {
    expect(problemsOf({ [name]: value }).join('\n')).toMatch(message);
  });
});
