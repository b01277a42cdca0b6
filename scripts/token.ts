import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { validateEnv } from '../src/config/env.schema';
import { DEMO_USERS, DemoRole, signToken } from '../src/dev/demo-seed';

const USAGE = `Usage: npm run token -- [--role client|moderator|admin] [--user <id>] [--ttl <seconds>]
  --role   the demo user of that role (default client; npm run demo:seed creates them)
  --user   any user id instead: the token carries that user's role
  --ttl    lifetime in seconds (default and maximum: JWT_MAX_TTL_SECONDS)
Prints the bearer token alone, e.g. TOKEN=$(npm run -s token -- --role moderator).`;

/** `npm run token`: a bearer token for a user of the DATABASE_URL database, signed with JWT_SECRET. Development only. */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { role: { type: 'string', default: 'client' }, user: { type: 'string' }, ttl: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (existsSync('.env')) process.loadEnvFile('.env');
  const env = validateEnv(process.env);
  if (env.NODE_ENV === 'production') {
    console.error('token refuses NODE_ENV=production: production tokens come from the platform that signs them');
    return 2;
  }
  if (!env.DATABASE_URL) {
    console.error('DATABASE_URL must name the database of the user (with npm start alone, its banner and the reference client give tokens)');
    return 2;
  }
  const demo = DEMO_USERS.find((user) => user.role === values.role);
  if (values.user === undefined && demo === undefined) {
    console.error(`--role must be client, moderator or admin\n${USAGE}`);
    return 2;
  }
  if (values.user !== undefined && !/^[1-9]\d{0,17}$/.test(values.user)) {
    console.error(`--user must be a user id (digits)\n${USAGE}`);
    return 2;
  }
  const ttl = values.ttl === undefined ? undefined : Number(values.ttl);
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 1 || ttl > env.JWT_MAX_TTL_SECONDS)) {
    console.error(`--ttl must be a whole number of seconds from 1 to ${env.JWT_MAX_TTL_SECONDS} (JWT_MAX_TTL_SECONDS)`);
    return 2;
  }

  const db = await new DataSource({ type: 'postgres', url: env.DATABASE_URL }).initialize();
  try {
    const [user] =
      values.user === undefined
        ? await db.query<Array<{ id: string; role: DemoRole }>>(`SELECT id, role FROM users WHERE email = $1`, [demo!.email])
        : await db.query<Array<{ id: string; role: DemoRole }>>(`SELECT id, role FROM users WHERE id = $1`, [values.user]);
    if (user === undefined) {
      console.error(values.user === undefined ? `No demo ${values.role} in this database: run npm run demo:seed first` : `No user ${values.user}`);
      return 1;
    }
    process.stdout.write(`${signToken(env, user, ttl).token}\n`);
    return 0;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('token failed:', error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
