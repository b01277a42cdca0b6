import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  registerDecorator,
  ValidationArguments,
  validateSync,
  ValidateIf,
} from 'class-validator';
import { BIC_PATTERN, ibanProblem, normalizeIban } from '../common/iban';
import { StartupError } from './startup-error';

const toBoolean = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') return value;
  const text = value.toLowerCase();
  if (['true', '1', 'yes'].includes(text)) return true;
  if (['false', '0', 'no'].includes(text)) return false;
  return value;
};
const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/**
 * Signs the demo tokens of `npm start`. Public (it is in this source), so it is used only when the
 * service runs on its built-in development services and listens on 127.0.0.1, and refused otherwise.
 */
export const DEVELOPMENT_JWT_SECRET = 'development-only-secret-never-use-in-production';

const isProduction = (env: Env) => env.NODE_ENV === 'production';
const toList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '')
    : value;

/** Stripe resends an event up to 30 days later; its id is kept longer than that. */
export const STRIPE_EVENTS_MIN_RETENTION_DAYS = 35;

/** A Standard Webhooks secret: `whsec_` and standard base64 (the signing library refuses anything else). */
const PLATFORM_WEBHOOK_SECRET_PATTERN = /^whsec_(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$|^whsec_(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)$/;

/** The key's length in bytes that Standard Webhooks asks for. */
const PLATFORM_WEBHOOK_KEY_BYTES = { min: 24, max: 64 };

/** Every variable the service reads. Validated once at boot; the migration CLI reuses it. */
export class Env {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  APP_URL?: string;

  @Transform(emptyToUndefined)
  @ValidateIf((env: Env) => isProduction(env) || env.DATABASE_URL !== undefined)
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL (required when NODE_ENV=production)' })
  DATABASE_URL?: string;

  /**
   * A streaming replica of DATABASE_URL's database for reads that may lag the latest commit
   * (histories, statements, admin reports, lists and exports); unset: everything reads DATABASE_URL.
   */
  @Transform(emptyToUndefined)
  @ValidateIf((env: Env) => env.DATABASE_READ_URL !== undefined)
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_READ_URL must be a postgres:// URL' })
  DATABASE_READ_URL?: string;

  @Transform(toBoolean)
  @IsBoolean()
  DB_MIGRATIONS_RUN = true;

  /** Where the embedded database keeps its files when DATABASE_URL is unset. */
  @IsString()
  DATA_DIR = '.data';

  /** HS256 secret of the bearer tokens; optional when JWT_JWKS_URL is set (HS256 tokens are then refused unless it is set). */
  @Transform(emptyToUndefined)
  @ValidateIf((env: Env) => (isProduction(env) && env.JWT_JWKS_URL === undefined) || env.JWT_SECRET !== undefined)
  @IsString({ message: 'JWT_SECRET is required when NODE_ENV=production (unless JWT_JWKS_URL is set)' })
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET?: string;

  @Transform(emptyToUndefined)
  @ValidateIf((env: Env) => isProduction(env) || env.STRIPE_SECRET_KEY !== undefined)
  @Matches(/^(sk|rk)_(test|live)_\w+$/, {
    message: 'STRIPE_SECRET_KEY must look like sk_test_… or sk_live_… (required when NODE_ENV=production)',
  })
  STRIPE_SECRET_KEY?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^pk_(test|live)_\w+$/, { message: 'STRIPE_PUBLISHABLE_KEY must look like pk_test_… or pk_live_…' })
  STRIPE_PUBLISHABLE_KEY?: string;

  @Transform(emptyToUndefined)
  @ValidateIf((env: Env) => isProduction(env) || env.STRIPE_SECRET_KEY !== undefined || env.STRIPE_WEBHOOK_SECRET !== undefined)
  @Matches(/^whsec_\w+$/, {
    message: 'STRIPE_WEBHOOK_SECRET must look like whsec_… (required with STRIPE_SECRET_KEY and in production)',
  })
  STRIPE_WEBHOOK_SECRET?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1, { message: 'STRIPE_WEBHOOK_TOLERANCE must be at least 1 second (0 would disable the replay check)' })
  @Max(3600)
  STRIPE_WEBHOOK_TOLERANCE = 300;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  STRIPE_API_BASE_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(50)
  OUTBOX_POLL_INTERVAL_MS = 1000;

  /** Checkout-session webhooks that arrive together are applied in one transaction: at most this many. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(500)
  WEBHOOK_BATCH_SIZE = 64;

  /** How many such transactions one instance runs at once. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(32)
  WEBHOOK_BATCH_CONCURRENCY = 2;

  /** How often pending purchases are checked with Stripe, in milliseconds; 0 turns the job off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  RECONCILE_INTERVAL_MS = 60_000;

  /** A purchase pending for longer than this (seconds) is checked with Stripe by the job. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  RECONCILE_AFTER_SECONDS = 300;

  /** false: this instance never relays the outbox (a web-only instance); at least one instance must. */
  @Transform(toBoolean)
  @IsBoolean()
  OUTBOX_RELAY_ENABLED = true;

  /** Days a moderator's earning stays `pending` (the refund/dispute risk window) before it is `available`. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3650)
  EARNINGS_MATURITY_DAYS = 14;

  /** Longest accepted token lifetime (`exp − iat`), in seconds; every token must carry `exp`. */
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(30 * 86_400)
  JWT_MAX_TTL_SECONDS = 86_400;

  /** When set, a token's `iss` must equal it. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  JWT_ISSUER?: string;

  /** When set, a token's `aud` must be (or contain) it. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  JWT_AUDIENCE?: string;

  /** Exact browser origins allowed to call the API and the socket; default: the origin of APP_URL. */
  @Transform(toList)
  @IsOptional()
  @IsString({ each: true })
  @Matches(/^(\*|https?:\/\/[^/\s]+)$/, { each: true, message: 'CORS_ORIGINS must list origins such as https://app.example.com (scheme and host, no path), or *' })
  CORS_ORIGINS?: string[];

  /** How many proxy hops in front of the service to trust for the client IP, scheme and host. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10)
  TRUST_PROXY = 0;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_CHECKOUT_PER_MINUTE = 20;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_SPEND_PER_MINUTE = 120;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PER_MINUTE = 600;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_ANONYMOUS_PER_MINUTE = 300;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  SOCKET_MAX_CONNECTIONS_PER_USER = 20;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** json (one object per line) or pretty; default json in production, pretty otherwise. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['json', 'pretty'])
  LOG_FORMAT?: 'json' | 'pretty';

  /** When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters' })
  METRICS_TOKEN?: string;

  /** How long SIGTERM waits for in-flight work before the process exits, in milliseconds. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(600_000)
  SHUTDOWN_TIMEOUT_MS = 10_000;

  /** Serve the reference client at `/`; default true outside production. */
  @Transform(toBoolean)
  @IsOptional()
  @IsBoolean()
  SERVE_WEB_CLIENT?: boolean;

  // ── Connections an instance holds (SPEC §12, §13) ─────────────────────────────────────────────

  /**
   * Open connections of one instance: keep-alive HTTP, websockets and requests in flight. Beyond it a
   * new connection closes the oldest idle one, or is refused. Keep it under the process's open-file
   * limit (`ulimit -n`).
   */
  @Transform(toInt)
  @IsInt()
  @Min(64)
  @Max(1_000_000)
  MAX_CONNECTIONS = 16_384;

  /**
   * Open connections per client address (the TCP peer); beyond it the address's oldest idle
   * connection is closed, or the new one refused. Default 1024 when clients reach the service
   * directly (TRUST_PROXY=0); unbounded (0) behind a proxy, where every connection comes from the
   * proxy and the proxy must bound its clients.
   */
  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(0)
  MAX_CONNECTIONS_PER_ADDRESS?: number;

  /**
   * Sockets (socket.io sessions) one instance holds; beyond it a new one is refused with 503 and the
   * client retries elsewhere, so that sockets never take the connections webhooks and API requests
   * need. Default: three quarters of MAX_CONNECTIONS.
   */
  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  SOCKET_MAX_CONNECTIONS?: number;

  // ── Joining an existing platform (SPEC §10): its login, its users and profiles, its backend ──

  /**
   * The platform's JSON Web Key Set: tokens signed with its keys (RS256, ES256, EdDSA) are accepted.
   * `https`, or `http` on a loopback address only. With it, JWT_ISSUER and JWT_AUDIENCE are required.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true }, { message: 'JWT_JWKS_URL must be an https:// URL (http:// only on a loopback address)' })
  JWT_JWKS_URL?: string;

  /** The claim holding the platform's user id, a positive integer (`sub`). */
  @Matches(/^[A-Za-z_][\w.:-]{0,99}$/, { message: 'JWT_USER_ID_CLAIM must be a claim name' })
  JWT_USER_ID_CLAIM = 'sub';

  /** The claim holding the role (`role`); a dotted path reaches into an object (`realm_access.roles`). */
  @Matches(/^[A-Za-z_][\w:-]{0,99}(\.[A-Za-z_][\w:-]{0,99}){0,9}$/, { message: 'JWT_ROLE_CLAIM must be a claim name or a dotted path (realm_access.roles)' })
  JWT_ROLE_CLAIM = 'role';

  /** `platformRole:role,…` (customer:client,staff:moderator); each role is client, moderator or admin. */
  @Transform(toList)
  @IsOptional()
  @IsString({ each: true })
  @Matches(/^[^:,\s]{1,100}:(client|moderator|admin)$/, { each: true, message: 'JWT_ROLE_MAP must list platformRole:role pairs, the role one of client, moderator, admin (customer:client,staff:moderator)' })
  JWT_ROLE_MAP?: string[];

  /** Bearer secret(s) of the platform's backend for /integration/*: comma-separated during a rotation; unset → 404. */
  @Transform(toList)
  @IsOptional()
  @IsString({ each: true })
  @MinLength(32, { each: true, message: 'INTEGRATION_TOKEN must be at least 32 characters (each, when several are listed)' })
  INTEGRATION_TOKEN?: string[];

  /** Integration requests per minute, the platform's backend all together (an import counts once). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_INTEGRATION_PER_MINUTE = 6000;
  // Events to the platform (SPEC §10): Standard Webhooks to the platform's backend.

  /** Where the service POSTs its events to the platform; unset: no event is stored or sent. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true }, { message: 'PLATFORM_WEBHOOK_URL must be an http(s) URL' })
  PLATFORM_WEBHOOK_URL?: string;

  /** `whsec_<base64>`: the Standard Webhooks signing key the platform verifies with; required with the URL. */
  @Transform(emptyToUndefined)
  @ValidateIf((env: Env) => env.PLATFORM_WEBHOOK_URL !== undefined || env.PLATFORM_WEBHOOK_SECRET !== undefined)
  @IsString({ message: 'PLATFORM_WEBHOOK_SECRET is required with PLATFORM_WEBHOOK_URL' })
  @Matches(PLATFORM_WEBHOOK_SECRET_PATTERN, {
    message: 'PLATFORM_WEBHOOK_SECRET must be whsec_ followed by base64 (24 to 64 random bytes), e.g. whsec_$(openssl rand -base64 32)',
  })
  PLATFORM_WEBHOOK_SECRET?: string;
  // Moderators are paid (SPEC §11).

  /** The moderator's share, in basis points, of what clients paid for the points attributed to them; kept with each purchase at crediting. */
  @Transform(toInt)
  @IsInt({ message: 'MODERATOR_SHARE_BPS must be a whole number of basis points (3000 = 30 %)' })
  @Min(0)
  @Max(10_000)
  MODERATOR_SHARE_BPS = 3000;

  /** The smallest payout, in minor units; less waits for a later run. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(99_999_999)
  PAYOUT_MINIMUM_CENTS = 2000;

  /** The platform's account, debited by the SEPA payout files: all three, or none (then no SEPA file can be made). */
  @Transform(emptyToUndefined)
  @ValidateIf((env: Env) => env.PAYOUT_DEBTOR_NAME !== undefined || env.PAYOUT_DEBTOR_IBAN !== undefined || env.PAYOUT_DEBTOR_BIC !== undefined)
  @IsString({ message: 'PAYOUT_DEBTOR_NAME is required with PAYOUT_DEBTOR_IBAN and PAYOUT_DEBTOR_BIC' })
  @MinLength(1)
  @MaxLength(70, { message: 'PAYOUT_DEBTOR_NAME must fit the 70 characters of a SEPA name' })
  PAYOUT_DEBTOR_NAME?: string;

  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && value.trim() !== '' ? normalizeIban(value) : undefined))
  @ValidateIf((env: Env) => env.PAYOUT_DEBTOR_NAME !== undefined || env.PAYOUT_DEBTOR_IBAN !== undefined || env.PAYOUT_DEBTOR_BIC !== undefined)
  @IsString({ message: 'PAYOUT_DEBTOR_IBAN is required with PAYOUT_DEBTOR_NAME and PAYOUT_DEBTOR_BIC' })
  @IsIban()
  PAYOUT_DEBTOR_IBAN?: string;

  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && value.trim() !== '' ? value.trim().toUpperCase() : undefined))
  @ValidateIf((env: Env) => env.PAYOUT_DEBTOR_NAME !== undefined || env.PAYOUT_DEBTOR_IBAN !== undefined || env.PAYOUT_DEBTOR_BIC !== undefined)
  @IsString({ message: 'PAYOUT_DEBTOR_BIC is required with PAYOUT_DEBTOR_NAME and PAYOUT_DEBTOR_IBAN' })
  @Matches(BIC_PATTERN, { message: 'PAYOUT_DEBTOR_BIC must be a BIC of 8 or 11 characters (e.g. BNPAFRPPXXX)' })
  PAYOUT_DEBTOR_BIC?: string;

  /** Refund at Stripe, when an early fraud warning arrives, what the client has not spent of the purchase. */
  @Transform(toBoolean)
  @IsBoolean()
  EFW_AUTO_REFUND = false;

  // Retention (SPEC §13): rows that only record what is done are removed once old enough.

  /** Days a delivered outbox event (and a delivered event to the platform, with its tries) is kept. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  OUTBOX_RETENTION_DAYS = 7;

  /**
   * Days a processed Stripe event id is kept: the id is what makes a resent event act once, and
   * Stripe can resend an event up to 30 days after it was created.
   */
  @Transform(toInt)
  @IsInt()
  @Min(STRIPE_EVENTS_MIN_RETENTION_DAYS, {
    message: `STRIPE_EVENTS_RETENTION_DAYS must be at least ${STRIPE_EVENTS_MIN_RETENTION_DAYS}: Stripe can send an event again up to 30 days later, and a forgotten id would be processed again`,
  })
  @Max(3650)
  STRIPE_EVENTS_RETENTION_DAYS = 35;

  /** Days a read notification is kept (counted from its creation); unread ones are never removed. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(36_500)
  NOTIFICATIONS_RETENTION_DAYS = 180;
}

/** An IBAN that passes its country's length and the mod 97 check (src/common/iban.ts says why not). */
function IsIban(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isIban',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && ibanProblem(value) === null,
        defaultMessage: (args?: ValidationArguments) => `${args?.property} is not a valid IBAN: ${ibanProblem(String(args?.value ?? '')) ?? 'missing'}`,
      },
    });
}

/** The connection limits in force: the configured ones, else their defaults (see the fields above). */
export function connectionLimits(env: Pick<Env, 'MAX_CONNECTIONS' | 'MAX_CONNECTIONS_PER_ADDRESS' | 'SOCKET_MAX_CONNECTIONS' | 'TRUST_PROXY'>) {
  return {
    maxConnections: env.MAX_CONNECTIONS,
    maxPerAddress: env.MAX_CONNECTIONS_PER_ADDRESS ?? (env.TRUST_PROXY > 0 ? 0 : DIRECT_CONNECTIONS_PER_ADDRESS),
    maxSockets: env.SOCKET_MAX_CONNECTIONS ?? Math.floor((env.MAX_CONNECTIONS * 3) / 4),
  };
}

/** Connections per address when clients reach the service directly: room for an office behind one NAT. */
const DIRECT_CONNECTIONS_PER_ADDRESS = 1024;

/** Variables holding secrets: never printed, not even in validation errors. */
export const SENSITIVE_ENV: ReadonlySet<keyof Env> = new Set([
  'JWT_SECRET',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'DATABASE_URL',
  'DATABASE_READ_URL',
  'REDIS_URL',
  'METRICS_TOKEN',
  'INTEGRATION_TOKEN',
  'PLATFORM_WEBHOOK_SECRET',
]);

export class ConfigValidationError extends StartupError {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

export interface ValidateOptions {
  /**
   * The service runs on its built-in development services (embedded database, Stripe emulator) that
   * the development entry point (tools/dev/main.ts) started: only then is the public development JWT
   * secret used. Without this option it is inferred from the environment: nothing real configured
   * (no DATABASE_URL, no Stripe key) outside production.
   */
  localServices?: boolean;
  /** The migration CLI needs only the database settings: the token secret is not checked. */
  migrationsOnly?: boolean;
}

/** True when nothing real is configured: `npm start` on a fresh machine. */
export function runsOnLocalServices(raw: Record<string, unknown>): boolean {
  return raw.NODE_ENV !== 'production' && !raw.DATABASE_URL && !raw.STRIPE_SECRET_KEY;
}

export function validateEnv(raw: Record<string, unknown>, options: ValidateOptions = {}): Env {
  const source = { ...raw };
  const local = options.localServices ?? runsOnLocalServices(source);
  // With the platform's keys configured, HS256 is accepted only with a secret given on purpose.
  const platformKeys = typeof source.JWT_JWKS_URL === 'string' && source.JWT_JWKS_URL !== '';
  if (!source.JWT_SECRET && (options.migrationsOnly || (local && !platformKeys))) source.JWT_SECRET = DEVELOPMENT_JWT_SECRET;
  const env = plainToInstance(Env, source, { exposeDefaultValues: true });
  const errors = validateSync(env, { whitelist: false, skipMissingProperties: false });
  const problems = errors.flatMap((error) => {
    const shown = SENSITIVE_ENV.has(error.property as keyof Env) ? '(hidden)' : JSON.stringify(error.value);
    return Object.values(error.constraints ?? {}).map((message) => `${error.property}=${shown}: ${message}`);
  });
  const roomForRequests = Math.ceil(env.MAX_CONNECTIONS / 8);
  if (env.SOCKET_MAX_CONNECTIONS !== undefined && env.SOCKET_MAX_CONNECTIONS > env.MAX_CONNECTIONS - roomForRequests) {
    problems.push(
      `SOCKET_MAX_CONNECTIONS=${env.SOCKET_MAX_CONNECTIONS}: must leave an eighth of MAX_CONNECTIONS (${roomForRequests} of ${env.MAX_CONNECTIONS}) for webhooks and API requests`,
    );
  }
  if (!options.migrationsOnly) problems.push(...secretProblems(env, local), ...platformProblems(env));
  problems.push(...platformWebhookProblems(env));
  if (isProduction(env) && env.CORS_ORIGINS?.includes('*')) {
    problems.push('CORS_ORIGINS="*": any origin is refused in production; list the frontends\' origins');
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return env;
}

/** A well-formed signing key that is too short to resist guessing, or longer than receivers accept. */
function platformWebhookProblems(env: Env): string[] {
  const secret = env.PLATFORM_WEBHOOK_SECRET;
  if (secret === undefined || !PLATFORM_WEBHOOK_SECRET_PATTERN.test(secret)) return [];
  const bytes = Buffer.from(secret.slice('whsec_'.length), 'base64').length;
  if (bytes >= PLATFORM_WEBHOOK_KEY_BYTES.min && bytes <= PLATFORM_WEBHOOK_KEY_BYTES.max) return [];
  return [
    `PLATFORM_WEBHOOK_SECRET=(hidden): its key is ${bytes} bytes; use ${PLATFORM_WEBHOOK_KEY_BYTES.min} to ${PLATFORM_WEBHOOK_KEY_BYTES.max} random bytes, e.g. whsec_$(openssl rand -base64 32)`,
  ];
}

/** The JWT secret signs every caller's identity: a guessable one lets anyone act as anyone. */
function secretProblems(env: Env, local: boolean): string[] {
  const secret = env.JWT_SECRET;
  if (secret === undefined) {
    // In production the field's own rule already says it is required; with the platform's keys it is optional.
    if (isProduction(env) || env.JWT_JWKS_URL !== undefined) return [];
    return [
      'JWT_SECRET is required: the built-in development secret is only used when nothing real is configured ' +
        '(no DATABASE_URL, no STRIPE_SECRET_KEY, not production)',
    ];
  }
  if (local) return [];
  if (secret === DEVELOPMENT_JWT_SECRET) {
    return ['JWT_SECRET=(hidden): the public development secret cannot sign tokens once DATABASE_URL, a Stripe key or production is configured'];
  }
  if (secret.trim() !== secret || secretStrengthBits(secret) < MIN_SECRET_BITS) {
    return [
      `JWT_SECRET=(hidden): too easy to guess (repeated characters, whitespace or a short pattern); use at least 32 random characters, e.g. \`openssl rand -base64 48\``,
    ];
  }
  return [];
}

/**
 * The platform's settings (SPEC §10): where its keys come from, whom its tokens are for, and the
 * backend's credentials. A key set fetched over plain HTTP from another machine could be swapped on
 * the way, and with it every identity: only `https`, or `http` to this machine.
 */
function platformProblems(env: Env): string[] {
  const problems: string[] = [];
  if (env.JWT_JWKS_URL !== undefined) {
    const url = URL.canParse(env.JWT_JWKS_URL) ? new URL(env.JWT_JWKS_URL) : undefined;
    if (url?.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
      problems.push(`JWT_JWKS_URL=${JSON.stringify(env.JWT_JWKS_URL)}: http:// only on a loopback address (127.0.0.1, ::1, localhost); use https://`);
    }
    if (env.JWT_ISSUER === undefined) problems.push('JWT_ISSUER is required with JWT_JWKS_URL: the iss of the platform\'s tokens');
    if (env.JWT_AUDIENCE === undefined) problems.push('JWT_AUDIENCE is required with JWT_JWKS_URL: the aud the platform\'s tokens carry for this service');
  }
  for (const token of env.INTEGRATION_TOKEN ?? []) {
    if (token.length >= 32 && secretStrengthBits(token) < MIN_SECRET_BITS) {
      problems.push('INTEGRATION_TOKEN=(hidden): too easy to guess (repeated characters or a short pattern); use at least 32 random characters, e.g. `openssl rand -base64 48`');
    }
  }
  const mapped = new Set<string>();
  for (const pair of env.JWT_ROLE_MAP ?? []) {
    const platformRole = pair.slice(0, pair.lastIndexOf(':'));
    if (mapped.has(platformRole)) problems.push(`JWT_ROLE_MAP maps "${platformRole}" twice`);
    mapped.add(platformRole);
  }
  return problems;
}

/** 127.0.0.0/8, ::1 or localhost: a name that never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/**
 * The platform numbers users and profiles (SPEC §10): its tokens or its backend are configured, so
 * the service never numbers them itself, and nothing may seed users of its own.
 */
export function platformNumbersIds(env: Pick<Env, 'JWT_JWKS_URL' | 'INTEGRATION_TOKEN'>): boolean {
  return env.JWT_JWKS_URL !== undefined || (env.INTEGRATION_TOKEN?.length ?? 0) > 0;
}

/** A 32-character random hex string scores about 118 bits; a repeated or padded one far less. */
const MIN_SECRET_BITS = 96;

/** Length × the Shannon entropy of its characters: a cheap guard against secrets like "aaaa…" or "abab…". */
export function secretStrengthBits(secret: string): number {
  const counts = new Map<string, number>();
  for (const char of secret) counts.set(char, (counts.get(char) ?? 0) + 1);
  const length = [...secret].length;
  let perChar = 0;
  for (const count of counts.values()) perChar -= (count / length) * Math.log2(count / length);
  return perChar * length;
}
