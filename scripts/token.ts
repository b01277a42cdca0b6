import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { DEMO_USERS, devScriptEnv, runDevScript, signToken, withDatabase } from '../tools/dev/demo-seed';

const USAGE = `Usage: npm run token -- [--role client|moderator|admin] [--user <id>] [--ttl <seconds>]
  --role   the demo user of that role (default client; npm run demo:seed creates them)
  --user   any user id instead: the token carries that user's role
  --ttl    lifetime in seconds (default and maximum: JWT_MAX_TTL_SECONDS)
Prints the bearer token alone, e.g. TOKEN=$(npm run -s token -- --role moderator).`;

/** `npm run token`: a bearer token for a user of the DATABASE_URL database, signed with JWT_SECRET. Development only. */
runDevScript('token', async () => {
  const { values } = parseArgs({
    options: { role: { type: 'string', default: 'client' }, user: { type: 'string' }, ttl: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const env = devScriptEnv('token', {
    production: 'production tokens come from the platform that signs them',
    noDatabase: 'DATABASE_URL must name the database of the user (with npm start alone, its banner and the reference client give tokens)',
  });
  const demo = DEMO_USERS.find((user) => String(user.role) === values.role);
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

  return withDatabase(env.DATABASE_URL, async ({ users }) => {
    const user = values.user === undefined ? (await users.findByEmails([demo!.email]))[0] : await users.findById(values.user);
    if (!user) {
      console.error(values.user === undefined ? `No demo ${values.role} in this database: run npm run demo:seed first` : `No user ${values.user}`);
      return 1;
    }
    process.stdout.write(`${signToken(env, user, ttl).token}\n`);
    return 0;
  });
});
