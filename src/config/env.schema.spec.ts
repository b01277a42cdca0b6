import { ConfigValidationError, DEVELOPMENT_JWT_SECRET, secretStrengthBits, validateEnv } from './env.schema';

const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://app:secret@db:5432/points',
  JWT_SECRET: 'a-production-secret-that-is-long-enough',
  STRIPE_SECRET_KEY: 'sk_live_abc123',
  STRIPE_WEBHOOK_SECRET: 'whsec_abc123',
};

function problemsOf(raw: Record<string, string>, options: Parameters<typeof validateEnv>[1] = {}): string[] {
  try {
    validateEnv(raw, options);
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

  it('reads everything from DATABASE_URL unless DATABASE_READ_URL names a replica', () => {
    expect(validateEnv({ ...PRODUCTION, DATABASE_READ_URL: '' }).DATABASE_READ_URL).toBeUndefined();
    expect(validateEnv({ ...PRODUCTION, DATABASE_READ_URL: 'postgresql://reader:secret@replica:5432/points' }).DATABASE_READ_URL).toBe(
      'postgresql://reader:secret@replica:5432/points',
    );
    expect(problemsOf({ ...PRODUCTION, DATABASE_READ_URL: 'replica:5432' }).join('\n')).toBe('DATABASE_READ_URL=(hidden): DATABASE_READ_URL must be a postgres:// URL');
  });

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
    ['DATABASE_READ_URL', 'mysql://replica/points', /DATABASE_READ_URL must be a postgres:\/\/ URL/],
    ['STRIPE_WEBHOOK_SECRET', 'secret', /whsec_/],
  ])('refuses %s=%s with a clear message', (name, value, message) => {
    expect(problemsOf({ [name]: value }).join('\n')).toMatch(message);
  });

  describe('the JWT secret', () => {
    it('uses the development secret only when nothing real is configured', () => {
      expect(validateEnv({ NODE_ENV: 'development' }).JWT_SECRET).toBe(DEVELOPMENT_JWT_SECRET);
      expect(validateEnv({}, { localServices: true }).JWT_SECRET).toBe(DEVELOPMENT_JWT_SECRET);
    });

    it.each([
      ['a real database', { DATABASE_URL: 'postgres://app@db/points' }],
      ['a live Stripe key', { DATABASE_URL: 'postgres://app@db/points', STRIPE_SECRET_KEY: 'sk_live_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' }],
      ['a Stripe key alone', { STRIPE_SECRET_KEY: 'sk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' }],
    ])('refuses to boot without JWT_SECRET outside production with %s', (_, raw) => {
      expect(problemsOf(raw).join('\n')).toMatch(/JWT_SECRET is required/);
    });

    it('refuses the public development secret once anything real is configured', () => {
      const problems = problemsOf({ DATABASE_URL: 'postgres://app@db/points', JWT_SECRET: DEVELOPMENT_JWT_SECRET });
      expect(problems.join('\n')).toMatch(/public development secret/);
      expect(problemsOf({ ...PRODUCTION, JWT_SECRET: DEVELOPMENT_JWT_SECRET }).join('\n')).toMatch(/public development secret/);
    });

    it.each([
      ['32 spaces', ' '.repeat(32)],
      ['one repeated character', 'a'.repeat(48)],
      ['a short repeated pattern', 'ab'.repeat(24)],
      ['padding around a secret', `  ${'k9'.repeat(10)}Zq81hD0x7Lm3  `],
    ])('refuses a guessable secret in production: %s', (_, secret) => {
      expect(problemsOf({ ...PRODUCTION, JWT_SECRET: secret }).join('\n')).toMatch(/JWT_SECRET=\(hidden\): (too easy to guess|JWT_SECRET must)/);
    });

    it('accepts random secrets', () => {
      expect(() => validateEnv({ ...PRODUCTION, JWT_SECRET: 'f3a91c0be27d4d6a8c55e1097b3f2ad4' })).not.toThrow();
      expect(() => validateEnv({ ...PRODUCTION, JWT_SECRET: 'Zt6x+q1Kp0WmR8vJ3bN9yLc2HsFaE4dG/uT7oQ5iXk=' })).not.toThrow();
      expect(secretStrengthBits('f3a91c0be27d4d6a8c55e1097b3f2ad4')).toBeGreaterThan(96);
      expect(secretStrengthBits('a'.repeat(64))).toBe(0);
    });

    it('lets the migration CLI run with only a database configured', () => {
      expect(validateEnv({ DATABASE_URL: 'postgres://app@db/points' }, { migrationsOnly: true }).DATABASE_URL).toBe('postgres://app@db/points');
    });
  });

  describe('the edge settings', () => {
    it('has the documented defaults', () => {
      expect(validateEnv({})).toMatchObject({
        TRUST_PROXY: 0,
        RATE_LIMIT_CHECKOUT_PER_MINUTE: 20,
        RATE_LIMIT_SPEND_PER_MINUTE: 120,
        RATE_LIMIT_PER_MINUTE: 600,
        RATE_LIMIT_ANONYMOUS_PER_MINUTE: 300,
        SOCKET_MAX_CONNECTIONS_PER_USER: 20,
        JWT_MAX_TTL_SECONDS: 86_400,
        LOG_LEVEL: 'info',
        SHUTDOWN_TIMEOUT_MS: 10_000,
      });
    });

    it('reads CORS_ORIGINS as a list of exact origins', () => {
      expect(validateEnv({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).CORS_ORIGINS).toEqual([
        'https://app.example.com',
        'http://localhost:5173',
      ]);
      expect(problemsOf({ CORS_ORIGINS: 'https://app.example.com/path' }).join('\n')).toMatch(/CORS_ORIGINS/);
    });

    it('accepts * only explicitly and never in production', () => {
      expect(validateEnv({ CORS_ORIGINS: '*' }).CORS_ORIGINS).toEqual(['*']);
      expect(problemsOf({ ...PRODUCTION, CORS_ORIGINS: '*' }).join('\n')).toMatch(/refused in production/);
    });
  });

  describe("the platform's settings", () => {
    const PLATFORM = { JWT_JWKS_URL: 'https://id.example.com/.well-known/jwks.json', JWT_ISSUER: 'https://id.example.com/', JWT_AUDIENCE: 'profile-points' };
    const INTEGRATION = 'f3a91c0be27d4d6a8c55e1097b3f2ad4';

    it('has the documented defaults, and no JWKS, integration token or role map', () => {
      expect(validateEnv({})).toMatchObject({ JWT_USER_ID_CLAIM: 'sub', JWT_ROLE_CLAIM: 'role', RATE_LIMIT_INTEGRATION_PER_MINUTE: 6000 });
      expect(validateEnv({})).toMatchObject({ JWT_JWKS_URL: undefined, INTEGRATION_TOKEN: undefined, JWT_ROLE_MAP: undefined });
    });

    it('needs no JWT_SECRET with JWT_JWKS_URL, in production too, and then uses no development secret', () => {
      const { JWT_SECRET: _, ...withoutSecret } = PRODUCTION;
      expect(validateEnv({ ...withoutSecret, ...PLATFORM }).JWT_SECRET).toBeUndefined();
      expect(validateEnv({ ...PLATFORM }).JWT_SECRET).toBeUndefined();
      expect(validateEnv({ ...PLATFORM, JWT_SECRET: DEVELOPMENT_JWT_SECRET }, { localServices: true }).JWT_SECRET).toBe(DEVELOPMENT_JWT_SECRET);
    });

    it('requires JWT_ISSUER and JWT_AUDIENCE with JWT_JWKS_URL', () => {
      const problems = problemsOf({ JWT_JWKS_URL: PLATFORM.JWT_JWKS_URL }).join('\n');
      expect(problems).toMatch(/JWT_ISSUER is required with JWT_JWKS_URL/);
      expect(problems).toMatch(/JWT_AUDIENCE is required with JWT_JWKS_URL/);
    });

    it.each([
      ['http://id.example.com/jwks.json', /http:\/\/ only on a loopback address/],
      ['http://10.0.0.5/jwks.json', /loopback/],
      ['ftp://id.example.com/jwks.json', /JWT_JWKS_URL must be an https/],
      ['jwks.json', /JWT_JWKS_URL must be an https/],
    ])('refuses JWT_JWKS_URL=%s', (url, problem) => {
      expect(problemsOf({ ...PLATFORM, JWT_JWKS_URL: url }).join('\n')).toMatch(problem);
    });

    it.each(['http://127.0.0.1:8080/jwks.json', 'http://localhost/jwks.json', 'http://[::1]:9000/jwks.json', 'https://id.example.com/jwks'])('accepts JWT_JWKS_URL=%s', (url) => {
      expect(validateEnv({ ...PLATFORM, JWT_JWKS_URL: url }).JWT_JWKS_URL).toBe(url);
    });

    it('reads INTEGRATION_TOKEN as a list for a rotation, each at least 32 characters and not guessable, never printed', () => {
      const next = 'Zt6x+q1Kp0WmR8vJ3bN9yLc2HsFaE4dG/uT7oQ5iXk=';
      expect(validateEnv({ INTEGRATION_TOKEN: `${INTEGRATION}, ${next}` }).INTEGRATION_TOKEN).toEqual([INTEGRATION, next]);
      const short = problemsOf({ INTEGRATION_TOKEN: `${INTEGRATION},short-secret-value` }).join('\n');
      expect(short).toMatch(/INTEGRATION_TOKEN=\(hidden\): INTEGRATION_TOKEN must be at least 32 characters/);
      expect(short).not.toContain('short-secret-value');
      expect(problemsOf({ INTEGRATION_TOKEN: 'ab'.repeat(20) }).join('\n')).toMatch(/INTEGRATION_TOKEN=\(hidden\): too easy to guess/);
    });

    it('reads JWT_ROLE_MAP as platformRole:role pairs of known roles, each platform role once', () => {
      expect(validateEnv({ JWT_ROLE_MAP: 'customer:client, staff:moderator' }).JWT_ROLE_MAP).toEqual(['customer:client', 'staff:moderator']);
      expect(problemsOf({ JWT_ROLE_MAP: 'customer:superuser' }).join('\n')).toMatch(/JWT_ROLE_MAP must list platformRole:role pairs/);
      expect(problemsOf({ JWT_ROLE_MAP: 'customer' }).join('\n')).toMatch(/JWT_ROLE_MAP/);
      expect(problemsOf({ JWT_ROLE_MAP: 'staff:moderator,staff:admin' }).join('\n')).toMatch(/maps "staff" twice/);
    });

    it('reads JWT_ROLE_CLAIM as a claim or a dotted path', () => {
      expect(validateEnv({ JWT_ROLE_CLAIM: 'realm_access.roles' }).JWT_ROLE_CLAIM).toBe('realm_access.roles');
      expect(problemsOf({ JWT_ROLE_CLAIM: 'roles..x' }).join('\n')).toMatch(/JWT_ROLE_CLAIM/);
    });
  });

  describe('moderators are paid (SPEC §11)', () => {
    const DEBTOR = { PAYOUT_DEBTOR_NAME: 'Profile Points SAS', PAYOUT_DEBTOR_IBAN: 'fr76 3000 6000 0112 3456 7890 189', PAYOUT_DEBTOR_BIC: 'bnpafrppxxx' };

    it('has the documented defaults: a 30 % share, payouts from 20.00, no debtor account, no automatic refund', () => {
      expect(validateEnv({})).toMatchObject({ MODERATOR_SHARE_BPS: 3000, PAYOUT_MINIMUM_CENTS: 2000, EFW_AUTO_REFUND: false });
      expect(validateEnv({}).PAYOUT_DEBTOR_IBAN).toBeUndefined();
    });

    it("reads the platform's account as SEPA files write it", () => {
      expect(validateEnv({ ...DEBTOR, EFW_AUTO_REFUND: 'true', MODERATOR_SHARE_BPS: '2500' })).toMatchObject({
        PAYOUT_DEBTOR_IBAN: 'FR7630006000011234567890189',
        PAYOUT_DEBTOR_BIC: 'BNPAFRPPXXX',
        EFW_AUTO_REFUND: true,
        MODERATOR_SHARE_BPS: 2500,
      });
    });

    it.each([
      ['an IBAN that fails mod 97', { ...DEBTOR, PAYOUT_DEBTOR_IBAN: 'FR7630006000011234567890188' }, /PAYOUT_DEBTOR_IBAN.*mod 97/],
      ['a BIC of 9 characters', { ...DEBTOR, PAYOUT_DEBTOR_BIC: 'BNPAFRPPX' }, /PAYOUT_DEBTOR_BIC must be a BIC/],
      ['an account without its BIC', { PAYOUT_DEBTOR_NAME: 'X', PAYOUT_DEBTOR_IBAN: DEBTOR.PAYOUT_DEBTOR_IBAN }, /PAYOUT_DEBTOR_BIC is required/],
      ['a BIC alone', { PAYOUT_DEBTOR_BIC: 'BNPAFRPP' }, /PAYOUT_DEBTOR_NAME is required[\s\S]*PAYOUT_DEBTOR_IBAN is required/],
      ['a name longer than SEPA allows', { ...DEBTOR, PAYOUT_DEBTOR_NAME: 'n'.repeat(71) }, /70 characters/],
      ['a share over 100 %', { MODERATOR_SHARE_BPS: '10001' }, /MODERATOR_SHARE_BPS/],
      ['a share in percent with a sign', { MODERATOR_SHARE_BPS: '30%' }, /MODERATOR_SHARE_BPS must be a whole number of basis points/],
      ['a minimum of 0', { PAYOUT_MINIMUM_CENTS: '0' }, /PAYOUT_MINIMUM_CENTS/],
      ['EFW_AUTO_REFUND=maybe', { EFW_AUTO_REFUND: 'maybe' }, /EFW_AUTO_REFUND/],
    ])('refuses %s at boot, saying which variable', (_label, raw, problem) => {
      expect(problemsOf(raw).join('\n')).toMatch(problem);
    });
  });

  describe('retention (SPEC §13)', () => {
    it('has the documented defaults: 7 days of delivered events, 35 of Stripe event ids, 180 of read notifications', () => {
      expect(validateEnv({})).toMatchObject({ OUTBOX_RETENTION_DAYS: 7, STRIPE_EVENTS_RETENTION_DAYS: 35, NOTIFICATIONS_RETENTION_DAYS: 180 });
    });

    it('reads the three settings as whole days', () => {
      expect(validateEnv({ OUTBOX_RETENTION_DAYS: '3', STRIPE_EVENTS_RETENTION_DAYS: '90', NOTIFICATIONS_RETENTION_DAYS: '30' })).toMatchObject({
        OUTBOX_RETENTION_DAYS: 3,
        STRIPE_EVENTS_RETENTION_DAYS: 90,
        NOTIFICATIONS_RETENTION_DAYS: 30,
      });
    });

    it('refuses to keep Stripe event ids for less than 35 days, saying why', () => {
      expect(problemsOf({ STRIPE_EVENTS_RETENTION_DAYS: '34' }).join('\n')).toMatch(
        /STRIPE_EVENTS_RETENTION_DAYS="?34"?: STRIPE_EVENTS_RETENTION_DAYS must be at least 35: Stripe can send an event again up to 30 days later/,
      );
      expect(validateEnv({ STRIPE_EVENTS_RETENTION_DAYS: '35' }).STRIPE_EVENTS_RETENTION_DAYS).toBe(35);
    });

    it.each([
      ['OUTBOX_RETENTION_DAYS', '0'],
      ['OUTBOX_RETENTION_DAYS', 'a week'],
      ['NOTIFICATIONS_RETENTION_DAYS', '0'],
      ['NOTIFICATIONS_RETENTION_DAYS', '1.5'],
    ])('refuses %s=%s', (name, value) => {
      expect(problemsOf({ [name]: value }).join('\n')).toMatch(new RegExp(`^${name}=`, 'm'));
    });
  });
});
