import { MigrationInterface, QueryRunner } from 'typeorm';

/** Saved states of the moderator earnings walk (src/moderators). */
export class EarningsCheckpoints1764500000000 implements MigrationInterface {
  name = 'EarningsCheckpoints1764500000000';

  async up(_db: QueryRunner): Promise<void> {}

  async down(_db: QueryRunner): Promise<void> {}
}
