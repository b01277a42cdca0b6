import { DataSource } from 'typeorm';
import { validateEnv } from '../config/env.schema';
import { exitOnStartupError, StartupError } from '../config/startup-error';
import { dataSourceOptions, ENTITY_FILES } from './data-source-options';

/**
 * For the TypeORM CLI (`npm run migration:*`): the same validated settings as the app. A setting that
 * is missing or wrong is said in one message and the CLI exits 1: thrown, the CLI would wrap it in
 * "Unable to open file" and print both stacks.
 */
function databaseUrl(): string {
  try {
    const env = validateEnv(process.env, { migrationsOnly: true });
    if (!env.DATABASE_URL) throw new StartupError('DATABASE_URL must be set to run the migration CLI (the app migrates its embedded database itself)');
    return env.DATABASE_URL;
  } catch (error) {
    return exitOnStartupError(error);
  }
}

export default new DataSource(dataSourceOptions(databaseUrl(), [ENTITY_FILES]));
