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
  Min,
  MinLength,
  validateSync,
  ValidateIf,
} from 'class-validator';

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

/** Signs the demo tokens of `npm start`; refused in production, where JWT_SECRET is required. */
export const DEVELOPMENT_JWT_SECRET = 'development-only-secret-never-use-in-production';

const isProduction = (env: Env) => env.NODE_ENV === 'production';

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

  @Transform(toBoolean)
  @IsBoolean()
  DB_MIGRATIONS_RUN = true;

  /** Where the embedded database keeps its files when DATABASE_URL is unset. */
  @IsString()
  DATA_DIR = '.data';

  @Transform(emptyToUndefined)
  @ValidateIf((env: Env) => isProduction(env) || env.JWT_SECRET !== undefined)
  @IsString({ message: 'JWT_SECRET is required when NODE_ENV=production' })
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET: string;

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
}

/** Variables holding secrets: never printed, not even in validation errors. */
export const SENSITIVE_ENV: ReadonlySet<keyof Env> = new Set(['JWT_SECRET', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'DATABASE_URL']);

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

export function validateEnv(raw: Record<string, unknown>): Env {
  const source = { ...raw };
  if (!source.JWT_SECRET && source.NODE_ENV !== 'production') source.JWT_SECRET = DEVELOPMENT_JWT_SECRET;
  const env = plainToInstance(Env, source, { exposeDefaultValues: true });
  const errors = validateSync(env, { whitelist: false, skipMissingProperties: false });
  const problems = errors.flatMap((error) => {
    const shown = SENSITIVE_ENV.has(error.property as keyof Env) ? '(hidden)' : JSON.stringify(error.value);
    return Object.values(error.constraints ?? {}).map((message) => `${error.property}=${shown}: ${message}`);
  });
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return env;
}
