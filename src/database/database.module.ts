import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
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
      inject: [ConfigService],
      useFactory: (config: ConfigService<Env, true>) => ({
        ...dataSourceOptions(config.get('DATABASE_URL', { infer: true })),
        autoLoadEntities: true,
        // Carried to the factory below, which migrates under an advisory lock instead of TypeORM's own run.
        migrationsRun: config.get('DB_MIGRATIONS_RUN', { infer: true }),
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
