import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Env } from '../config/env.schema';
import { dataSourceOptions, runMigrationsLocked } from './data-source-options';
import { ReadReplica } from './read-replica';
import { TransactionRunner } from './transaction';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [Env],
      useFactory: (env: Env) => ({
        ...dataSourceOptions(env.DATABASE_URL),
        autoLoadEntities: true,
        // Carried to the factory below, which migrates under an advisory lock instead of TypeORM's own run.
        migrationsRun: env.DB_MIGRATIONS_RUN,
      }),
      dataSourceFactory: async (options) => {
        const { migrationsRun, ...rest } = options!;
        const dataSource = await new DataSource({ ...rest, migrationsRun: false }).initialize();
        if (migrationsRun) await runMigrationsLocked(dataSource);
        return dataSource;
      },
    }),
  ],
  providers: [TransactionRunner, ReadReplica],
  exports: [TransactionRunner, ReadReplica],
})
export class DatabaseModule {}
