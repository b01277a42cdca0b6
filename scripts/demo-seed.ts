import 'reflect-metadata';
import { demoBanner, devScriptEnv, runDevScript, seedDemoData, withDatabase } from '../src/dev/demo-seed';

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
  return withDatabase(env.DATABASE_URL, async (owners) => {
    const data = await seedDemoData(owners);
    process.stdout.write(demoBanner((env.APP_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''), data, env));
    return 0;
  });
});
