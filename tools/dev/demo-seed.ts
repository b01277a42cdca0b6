import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { existsSync } from 'node:fs';
import { Env, platformNumbersIds, validateEnv } from '../../src/config/env.schema';
import { ProfilesService } from '../../src/profiles/profiles.service';
import { Role } from '../../src/users/user-role';
import { UserProfile, UsersService } from '../../src/users/users.service';
import { DemoDataModule } from './demo-data.module';

export type DemoRole = Role;

/** A development script refuses to run: its message is all the user needs, no "failed" prefix. */
class DevScriptRefusal extends Error {}

export const DEMO_USERS: ReadonlyArray<{ email: string; name: string; role: DemoRole }> = [
  { email: 'client@demo.local', name: 'Demo Client', role: Role.Client },
  { email: 'moderator@demo.local', name: 'Demo Moderator', role: Role.Moderator },
  { email: 'admin@demo.local', name: 'Demo Admin', role: Role.Admin },
];
export const DEMO_PROFILE_NAME = 'Sophie (demo)';

export interface DemoUser {
  id: string;
  email: string;
  name: string;
  role: DemoRole;
}

export interface DemoData {
  profile: { id: string; name: string };
  users: DemoUser[];
}

export type TokenSettings = Pick<Env, 'JWT_SECRET' | 'JWT_MAX_TTL_SECONDS' | 'JWT_ISSUER' | 'JWT_AUDIENCE'>;

/** The modules that own the demo data: it is written and read through their services. */
export interface DemoOwners {
  users: UsersService;
  profiles: ProfilesService;
}

/** The owners' services of a running application (the service itself, or DemoDataModule's context). */
export function demoOwners(app: INestApplicationContext): DemoOwners {
  return { users: app.get(UsersService), profiles: app.get(ProfilesService) };
}

/** Creates the demo users and the demo profile (run by its demo moderator) unless they exist. */
export async function seedDemoData({ users, profiles }: DemoOwners): Promise<DemoData> {
  const seeded = await users.ensure(DEMO_USERS);
  const moderator = seeded.find((user) => user.role === Role.Moderator)!;
  const profile = await profiles.ensureNamed(DEMO_PROFILE_NAME, moderator.id);
  return { profile: { id: profile.id, name: profile.name }, users: seeded.map(demoUser) };
}

/** The demo data if it was seeded, else null. */
export async function findDemoData({ users, profiles }: DemoOwners): Promise<DemoData | null> {
  const found = await users.findByEmails(DEMO_USERS.map((user) => user.email));
  const profile = await profiles.findByName(DEMO_PROFILE_NAME);
  if (found.length < DEMO_USERS.length || profile === null) return null;
  return { profile: { id: profile.id, name: profile.name }, users: found.map(demoUser) };
}

/** Demo users are found by their e-mail and created with a name: neither is ever missing. */
function demoUser({ id, email, name, role }: UserProfile): DemoUser {
  return { id, email: email ?? '', name: name ?? '', role };
}

/**
 * A bearer token the service accepts: HS256 with `exp`, living as long as JWT_MAX_TTL_SECONDS allows
 * (or less), with the issuer and audience the service checks when they are configured.
 */
export function signToken(settings: TokenSettings, user: { id: string; role: string }, ttlSeconds = settings.JWT_MAX_TTL_SECONDS) {
  if (settings.JWT_SECRET === undefined) throw new DevScriptRefusal('JWT_SECRET is not set: this service accepts only the platform\'s tokens (JWT_JWKS_URL), which the platform signs');
  const lifetime = Math.min(ttlSeconds, settings.JWT_MAX_TTL_SECONDS);
  const jwt = new JwtService({ secret: settings.JWT_SECRET });
  const token = jwt.sign(
    { sub: user.id, role: user.role },
    {
      algorithm: 'HS256',
      expiresIn: lifetime,
      ...(settings.JWT_ISSUER !== undefined && { issuer: settings.JWT_ISSUER }),
      ...(settings.JWT_AUDIENCE !== undefined && { audience: settings.JWT_AUDIENCE }),
    },
  );
  return { token, expiresAt: new Date(Date.now() + lifetime * 1000) };
}

/** Where the service sends payments: the bundled emulator unless a Stripe key is set (or STRIPE_API_BASE_URL names an emulator). */
export function usesStripeEmulator(settings: Pick<Env, 'STRIPE_SECRET_KEY' | 'STRIPE_API_BASE_URL'>): boolean {
  return settings.STRIPE_SECRET_KEY === undefined || settings.STRIPE_API_BASE_URL !== undefined;
}

/** The banner `npm start` and `npm run demo:seed` print: where to go and a token per demo user. */
export function demoBanner(
  baseUrl: string | undefined,
  data: DemoData,
  settings: TokenSettings & Pick<Env, 'STRIPE_SECRET_KEY' | 'STRIPE_API_BASE_URL'>,
): string {
  const tokens = data.users.map((user) => ({ user, ...signToken(settings, user) }));
  const where =
    baseUrl === undefined
      ? []
      : [
          `Reference client: ${baseUrl}/  (act as the demo client in one window, the moderator in another)`,
          `Swagger UI: ${baseUrl}/docs  (Authorize → paste a token below)`,
        ];
  return (
    [
      '',
      '─── Demo ready ──────────────────────────────────────────────────────────────',
      ...where,
      `Demo profile id: ${data.profile.id}  — as the client: POST /profile-points/checkout {"profile_id": "${data.profile.id}", "pack": "500"}`,
      usesStripeEmulator(settings)
        ? "then open the returned url to pay on the emulator's checkout page."
        : 'then open the returned url to pay on Stripe Checkout (with a test key, a test card such as 4242 4242 4242 4242).',
      `Bearer tokens (valid until ${tokens[0].expiresAt.toISOString()}):`,
      ...tokens.map(({ user, token }) => `  ${user.role.padEnd(10)} ${token}`),
      '─────────────────────────────────────────────────────────────────────────────',
      '',
    ].join('\n') + '\n'
  );
}

/**
 * `npm start` on the embedded database: creates the demo data once, then prints the banner. Not when
 * the platform numbers users (JWT_JWKS_URL or INTEGRATION_TOKEN): the service then creates none itself.
 */
export async function seedDemo(
  app: INestApplicationContext,
  baseUrl: string,
  settings: Parameters<typeof demoBanner>[2] & Parameters<typeof platformNumbersIds>[0],
): Promise<void> {
  if (platformNumbersIds(settings)) {
    process.stdout.write(`\nNo demo data: the platform numbers users and profiles here (JWT_JWKS_URL or INTEGRATION_TOKEN is set). See docs/integrating.md.\n\n`);
    return;
  }
  const data = await seedDemoData(demoOwners(app));
  process.stdout.write(demoBanner(baseUrl, data, settings));
}


/**
 * The settings of `npm run demo:seed` and `npm run token`: .env and the environment, validated. They
 * refuse production and want DATABASE_URL (`npm start` alone runs on an embedded database they do not reach).
 */
export function devScriptEnv(script: string, why: { production: string; noDatabase: string }): Env & { DATABASE_URL: string } {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const env = validateEnv(process.env);
  if (env.NODE_ENV === 'production') throw new DevScriptRefusal(`${script} refuses NODE_ENV=production: ${why.production}`);
  if (!env.DATABASE_URL) throw new DevScriptRefusal(why.noDatabase);
  return { ...env, DATABASE_URL: env.DATABASE_URL };
}

/** Runs `work` with the demo data's owners on the database of `url`, closed whatever happens. */
export async function withDatabase<T>(url: string, work: (owners: DemoOwners) => Promise<T>): Promise<T> {
  const app = await NestFactory.createApplicationContext(DemoDataModule.forDatabase(url), { logger: false });
  try {
    return await work(demoOwners(app));
  } finally {
    await app.close();
  }
}

/** Runs a development script's `main` and exits with its code; 2 when it refuses or fails. */
export function runDevScript(script: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof DevScriptRefusal) console.error(error.message);
      else console.error(`${script} failed:`, error instanceof Error ? error.message : error);
      process.exit(2);
    },
  );
}
