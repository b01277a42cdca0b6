import { MigrationInterface, QueryRunner } from 'typeorm';

/** Each credited purchase is a lot of points; spends and reversals record which lots they used. */
export class PointLots1764400000000 implements MigrationInterface {
  name = 'PointLots1764400000000';

  async up(_db: QueryRunner): Promise<void> {}

  async down(_db: QueryRunner): Promise<void> {}
}
