import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { validateEnv } from '../src/config/env.schema';
import { demoBanner, seedDemoData } from '../src/dev/demo-seed';

/**
 * `npm run demo:seed`: the demo client, moderator, admin and profile that `npm start` creates on its
 * embedded database, on the database of DATABASE_URL (already migrated: start the service once, or
 * `npm run migration:run`). Development only. Prints a token per demo user.
 */
async function main(): Promise<number> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const env = validateEnv(process.env);
  if (env.NODE_ENV === 'production') {
    console.error('demo:seed refuses NODE_ENV=production: demo users with known emails never go into a real database');
    return 2;
  }
  if (!env.DATABASE_URL) {
    console.error('DATABASE_URL must name the database to seed (npm start seeds its embedded database itself)');
    return 2;
  }
  const db = await new DataSource({ type: 'postgres', url: env.DATABASE_URL }).initialize();
  try {
    const data = await seedDemoData(db);
    process.stdout.write(demoBanner((env.APP_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''), data, env));
    return 0;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('demo:seed failed:', error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
