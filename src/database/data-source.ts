import { DataSource } from 'typeorm';
import { validateEnv } from '../config/env.schema';
import { dataSourceOptions, ENTITY_FILES } from './data-source-options';

/** For the TypeORM CLI (`npm run migration:*`): the same validated settings as the app. */
const env = validateEnv(process.env, { migrationsOnly: true });
if (!env.DATABASE_URL) {
  throw new Error('DATABASE_URL must be set to run the migration CLI (the app migrates its embedded database itself)');
}
export default new DataSource(dataSourceOptions(env.DATABASE_URL, [ENTITY_FILES]));
