import { INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { existsSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { Env, validateEnv } from '../config/env.schema';

export type DemoRole = 'client' | 'moderator' | 'admin';

export const DEMO_USERS: ReadonlyArray<{ email: string; name: string; role: DemoRole }> = [
  { email: 'client@demo.local', name: 'Demo Client', role: 'client' },
  { email: 'moderator@demo.local', name: 'Demo Moderator', role: 'moderator' },
  { email: 'admin@demo.local', name: 'Demo Admin', role: 'admin' },
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

/** Creates the demo users and the demo profile (run by its demo moderator) unless they exist. */
export async function seedDemoData(db: DataSource): Promise<DemoData> {
  for (const user of DEMO_USERS) {
    await db.query(`INSERT INTO users (email, name, role) VALUES ($1, $2, $3) ON CONFLICT ON CONSTRAINT uq_users_email DO NOTHING`, [
      user.email,
      user.name,
      user.role,
    ]);
  }
  const moderator = await db.query<Array<{ id: string }>>(`SELECT id FROM users WHERE email = $1`, [
    DEMO_USERS.find((user) => user.role === 'moderator')!.email,
  ]);
  await db.query(`INSERT INTO profiles (name, moderator_id) SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM profiles WHERE name = $1)`, [
    DEMO_PROFILE_NAME,
    moderator[0].id,
  ]);
  return (await findDemoData(db))!;
}

/** The demo data if it was seeded, else null. */
export async function findDemoData(db: DataSource): Promise<DemoData | null> {
  const users = await db.query<DemoUser[]>(`SELECT id, email, name, role FROM users WHERE email = ANY($1) ORDER BY id`, [
    DEMO_USERS.map((user) => user.email),
  ]);
  const profiles = await db.query<Array<{ id: string; name: string }>>(`SELECT id, name FROM profiles WHERE name = $1 ORDER BY id LIMIT 1`, [
    DEMO_PROFILE_NAME,
  ]);
  if (users.length < DEMO_USERS.length || profiles.length === 0) return null;
  return { profile: profiles[0], users };
}

/**
 * A bearer token the service accepts: HS256 with `exp`, living as long as JWT_MAX_TTL_SECONDS allows
 * (or less), with the issuer and audience the service checks when they are configured.
 */
export function signToken(settings: TokenSettings, user: { id: string; role: string }, ttlSeconds = settings.JWT_MAX_TTL_SECONDS) {
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

/** The banner `npm start` and `npm run demo:seed` print: where to go and a token per demo user. */
export function demoBanner(baseUrl: string | undefined, data: DemoData, settings: TokenSettings): string {
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
      "then open the returned url to pay on the emulator's checkout page.",
      `Bearer tokens (valid until ${tokens[0].expiresAt.toISOString()}):`,
      ...tokens.map(({ user, token }) => `  ${user.role.padEnd(10)} ${token}`),
      '─────────────────────────────────────────────────────────────────────────────',
      '',
    ].join('\n') + '\n'
  );
}

/** `npm start` on the embedded database: creates the demo data once, then prints the banner. */
export async function seedDemo(app: INestApplication, baseUrl: string, settings: TokenSettings): Promise<void> {
  const data = await seedDemoData(app.get(DataSource));
  process.stdout.write(demoBanner(baseUrl, data, settings));
}

/** A development script refuses to run: its message is all the user needs, no "failed" prefix. */
class DevScriptRefusal extends Error {}

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

/** Runs `work` on a connection to `url`, closed whatever happens. */
export async function withDatabase<T>(url: string, work: (db: DataSource) => Promise<T>): Promise<T> {
  const db = await new DataSource({ type: 'postgres', url }).initialize();
  try {
    return await work(db);
  } finally {
    await db.destroy();
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
