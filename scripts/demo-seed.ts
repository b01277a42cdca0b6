import 'reflect-metadata';
import { platformNumbersIds } from '../src/config/env.schema';
import { demoBanner, devScriptEnv, runDevScript, seedDemoData, withDatabase } from '../tools/dev/demo-seed';

/**
 * `npm run demo:seed`: the demo client, moderator, admin and profile that `npm start` creates on its
 * embedded database, on the database of DATABASE_URL (already migrated: start the service once, or
 * `npm run migration:run`). Development only. Prints a token per demo user.
 */
runDevScript('demo:seed', async () => {
  const env = devScriptEnv('demo:seed', {
    production: 'demo users with known emails never go into a real database',
    noDatabase: 'DATABASE_URL must name the database to seed (npm start seeds its embedded database itself)',
  });
  if (platformNumbersIds(env)) {
    console.error('demo:seed refuses: the platform numbers users and profiles here (JWT_JWKS_URL or INTEGRATION_TOKEN is set), so the service creates none of its own');
    return 2;
  }
  return withDatabase(env.DATABASE_URL, async (owners) => {
    const data = await seedDemoData(owners);
    process.stdout.write(demoBanner((env.APP_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''), data, env));
    return 0;
  });
});
