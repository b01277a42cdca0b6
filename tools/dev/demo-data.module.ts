import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { TransactionRunner } from '../../src/database/transaction';
import { ProfilesModule } from '../../src/profiles/profiles.module';
import { UsersModule } from '../../src/users/users.module';

/**
 * The owners of the demo data (users, profiles) on their own, for the development scripts that seed
 * it or sign a token without starting the service (`npm run demo:seed`, `npm run token`). The
 * database is already migrated: these scripts never migrate it.
 */
@Module({})
export class DemoDataModule {
  static forDatabase(url: string): DynamicModule {
    return {
      module: DemoDataModule,
      global: true,
      imports: [TypeOrmModule.forRoot({ ...dataSourceOptions(url), autoLoadEntities: true }), UsersModule, ProfilesModule],
      providers: [TransactionRunner],
      exports: [TransactionRunner],
    };
  }
}
