import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESLint, RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const rule = require('../../eslint-rules/module-boundaries.cjs') as import('eslint').Rule.RuleModule;

const root = join(__dirname, '..', '..');
const at = (file: string) => join(root, 'src', file);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { TABLE_OWNERS } = require('../../eslint-rules/modules.cjs') as { TABLE_OWNERS: Record<string, string> };
/** The error for SQL naming `table` outside its owner. */
const foreign = (table: string) => ({ messageId: 'foreignTable', data: { table, owner: TABLE_OWNERS[table] } });

const tester = new RuleTester({ languageOptions: { parser: tseslint.parser, sourceType: 'module' } });

/** The rule on its own, over the three things it refuses and what it lets through. */
tester.run('module-boundaries', rule, {
  valid: [
    { name: 'a module imports its own entity', filename: at('payments/checkout.service.ts'), code: "import { Purchase } from './entities/purchase.entity';", options: [{ root }] },
    { name: "another module's service, module, errors and DTOs", filename: at('admin/summary.service.ts'), code: "import { PacksService } from '../points/packs.service';\nimport { PointsModule } from '../points/points.module';\nimport { PointsError } from '../points/points.errors';\nimport { SpendRequestDto } from '../points/dto/spend.dto';", options: [{ root }] },
    { name: "another module's query service and SQL fragments", filename: at('moderators/x.queries.ts'), code: "import { LedgerSql } from '../points/ledger.sql';\nimport { LedgerReportsQueries } from '../points/ledger-reports.queries';", options: [{ root }] },
    { name: "a module's declared public file", filename: at('admin/x.service.ts'), code: "import { Role } from '../users/user-role';", options: [{ root }] },
    { name: 'the shared kernel, whole', filename: at('points/x.service.ts'), code: "import { TransactionRunner } from '../database/transaction';\nimport { formatMoney } from '../common/money';", options: [{ root }] },
    { name: 'the composition root wires anything', filename: at('app.setup.ts'), code: "import { SocketIoAdapter } from './notifications/socket-io-adapter';", options: [{ root }] },
    { name: 'SQL on its own table, in a repository', filename: at('points/lots/lots.repository.ts'), code: 'this.transactions.manager.query(`SELECT id FROM point_lots WHERE interaction_id = $1`, [id]);', options: [{ root }] },
    { name: 'an English sentence with a table name is not SQL', filename: at('admin/x.service.ts'), code: "const message = 'no such users for this profile';", options: [{ root }] },
    { name: 'a type-only TypeORM import', filename: at('payments/x.service.ts'), code: "import type { EntityManager } from 'typeorm';", options: [{ root }] },
  ],
  invalid: [
    {
      name: "another module's entity",
      filename: at('payments/checkout.service.ts'),
      code: "import { User } from '../users/user.entity';",
      options: [{ root }],
      errors: [{ messageId: 'internalImport' }],
    },
    {
      name: "another module's repository, from a nested folder",
      filename: at('payments/outcomes/x.service.ts'),
      code: "import { LotsRepository } from '../../points/lots/lots.repository';",
      options: [{ root }],
      errors: [{ messageId: 'internalImport' }],
    },
    {
      name: "another module's listener, re-exported",
      filename: at('admin/x.ts'),
      code: "export { CreditPointsWhenPaymentsCaptured } from '../points/listeners/credit-points-when-payments-captured';",
      options: [{ root }],
      errors: [{ messageId: 'internalImport' }],
    },
    {
      name: "raw SQL on another module's table, even in a repository",
      filename: at('admin/summary.repository.ts'),
      code: 'db.query(`SELECT sum(points) FROM ledger_transfers l JOIN users u ON u.id = l.id`);',
      options: [{ root }],
      errors: [
        { messageId: 'foreignTable', data: { table: 'ledger_transfers', owner: 'points' } },
        { messageId: 'foreignTable', data: { table: 'users', owner: 'users' } },
      ],
    },
    {
      name: 'the same in a plain string',
      filename: at('interactions/interactions.repository.ts'),
      code: "db.query('SELECT name FROM profiles WHERE id = $1', [id]);",
      options: [{ root }],
      errors: [{ messageId: 'foreignTable', data: { table: 'profiles', owner: 'profiles' } }],
    },
    {
      name: "the transaction's manager outside a repository",
      filename: at('points/spend.service.ts'),
      code: 'this.transactions.manager.query(`SELECT 1`); this.transactions.repository(Thing).find();',
      options: [{ root }],
      errors: [{ messageId: 'dataAccess' }, { messageId: 'dataAccess' }],
    },
    {
      name: 'a DataSource outside a repository',
      filename: at('moderators/moderators.service.ts'),
      code: "import { InjectDataSource } from '@nestjs/typeorm';\nimport { DataSource } from 'typeorm';",
      options: [{ root }],
      errors: [{ messageId: 'dataAccess' }, { messageId: 'dataAccess' }],
    },
  ],
});

/**
 * A copy of src/'s layout with the files an import could land on planted in it: a module's
 * index.ts, and a file at the root of src/ named like a module.
 */
const planted = mkdtempSync(join(tmpdir(), 'module-boundaries-'));
const plant = (file: string, text = 'export {};\n') => {
  mkdirSync(join(planted, 'src', file, '..'), { recursive: true });
  writeFileSync(join(planted, 'src', file), text);
};
plant('users/index.ts', "export { User } from './user.entity';\n");
plant('users/user.entity.ts');
plant('profiles.ts', "export { Profile } from './profiles/profile.entity';\n");
afterAll(() => rmSync(planted, { recursive: true, force: true }));
const inPlanted = (file: string) => join(planted, 'src', file);

/** The ways around the rule an audit found, one case each: every one of them passed before. */
tester.run('module-boundaries, evasions', rule, {
  valid: [
    { name: 'English with select … from, but no table there', filename: at('admin/x.service.ts'), code: "const a = 'Select a pack from the list';\nconst b = 'Select the users from the list';\nconst c = 'Please update your profile settings';\nconst d = 'points moved from users to profiles';", options: [{ root }] },
    { name: 'a table the lint cannot know (a parameter) is not guessed', filename: at('admin/x.repository.ts'), code: "export const read = (table: string) => db.query('SELECT points FROM ' + table);", options: [{ root }] },
    { name: "the owner's SQL fragment placed in a statement", filename: at('moderators/x.queries.ts'), code: 'db.query(`SELECT ${UsersSql.points} FROM earnings_checkpoints c JOIN ${LedgerSql.movementsAfter} m ON true`);', options: [{ root }] },
    { name: 'a query builder on its own table', filename: at('payments/x.queries.ts'), code: "qb.from('profile_point_transactions', 't').innerJoin('stripe_events', 'e', 'e.id = t.event_id');", options: [{ root }] },
    { name: 'a public file passes on plain types and helpers of its repository', filename: at('interactions/interactions.service.ts'), code: "export type { BalanceChange } from './interactions.repository';\nexport { interactionKey } from './interactions.repository';", options: [{ root }] },
    { name: 'a non-public file re-exports inside its module', filename: at('events/outbox-relay.ts'), code: "export { CLAIM_LOCK_NAMESPACE, OutboxRepository } from './outbox.repository';", options: [{ root }] },
    { name: "pg's type parsers are not a connection", filename: at('moderators/moderators.service.ts'), code: "import { types } from 'pg';", options: [{ root }] },
    { name: 'a type-only namespace import of TypeORM', filename: at('payments/x.service.ts'), code: "import type * as typeorm from 'typeorm';", options: [{ root }] },
    { name: 'a test opens its own connection', filename: at('points/ledger-accounts.spec.ts'), code: "import { Client } from 'pg';", options: [{ root }] },
    { name: 'another manager than the runner’s', filename: at('points/spend.service.ts'), code: "const { manager } = options;\nconst name = this.config['manager'];", options: [{ root }] },
  ],
  invalid: [
    {
      name: 'SQL in lower case',
      filename: at('interactions/interactions.repository.ts'),
      code: "db.query('select points from users where id = $1', [id]);",
      options: [{ root }],
      errors: [{ messageId: 'foreignTable', data: { table: 'users', owner: 'users' } }],
    },
    {
      name: 'SQL in mixed case',
      filename: at('interactions/interactions.repository.ts'),
      code: "db.query('Select * From notifications');",
      options: [{ root }],
      errors: [{ messageId: 'foreignTable', data: { table: 'notifications', owner: 'notifications' } }],
    },
    {
      name: 'a lower-case insert, update, delete and join',
      filename: at('admin/x.repository.ts'),
      code: "db.query('insert into point_lots (id) values (1)');\ndb.query('update users u set points = 0');\ndb.query('delete from stripe_events');\ndb.query('select 1 from earnings_checkpoints c, point_spends s left join profiles p on p.id = s.profile_id');",
      options: [{ root }],
      errors: [
        foreign('point_lots'),
        foreign('users'),
        foreign('stripe_events'),
        foreign('earnings_checkpoints'),
        foreign('point_spends'),
        foreign('profiles'),
      ],
    },
    {
      name: 'a table name in a const, joined with +',
      filename: at('admin/x.repository.ts'),
      code: "const table = 'users';\ndb.query('SELECT points FROM ' + table);",
      options: [{ root }],
      errors: [foreign('users')],
    },
    {
      name: 'two literals joined with +',
      filename: at('admin/x.repository.ts'),
      code: "db.query('SELECT points FROM ' + 'users');",
      options: [{ root }],
      errors: [foreign('users')],
    },
    {
      name: 'a table name as a template expression',
      filename: at('points/x.repository.ts'),
      code: "db.query(`SELECT points FROM ${'profile_point_transactions'} WHERE id = $1`);",
      options: [{ root }],
      errors: [{ messageId: 'foreignTable', data: { table: 'profile_point_transactions', owner: 'payments' } }],
    },
    {
      name: "the query builder's from, innerJoin and leftJoin",
      filename: at('admin/x.queries.ts'),
      code: "qb.select('u.id').from('users', 'u').innerJoin('profiles', 'p', 'p.moderator_id = u.id').leftJoin('point_lots', 'l', 'l.id = p.id');",
      options: [{ root }],
      errors: [
        foreign('users'),
        foreign('profiles'),
        foreign('point_lots'),
      ],
    },
    {
      name: "the query builder's into and update",
      filename: at('admin/x.repository.ts'),
      code: "qb.insert().into('notifications').values({}).execute();\nqb.update('users').set({ points: 0 }).execute();",
      options: [{ root }],
      errors: [foreign('notifications'), foreign('users')],
    },
    {
      name: "a directory import: the module's index.ts",
      filename: inPlanted('payments/x.service.ts'),
      code: "import { User } from '../users';",
      options: [{ root: planted }],
      errors: [{ messageId: 'internalImport', data: { source: '../users', target: 'users' } }],
    },
    {
      name: 'a file at the root of src/ named like a module',
      filename: inPlanted('payments/x.service.ts'),
      code: "import { Profile } from '../profiles';",
      options: [{ root: planted }],
      errors: [{ messageId: 'rootImport' }],
    },
    {
      name: 'require()',
      filename: at('payments/x.service.ts'),
      code: "const { User } = require('../users/user.entity');",
      options: [{ root }],
      errors: [{ messageId: 'internalImport' }],
    },
    {
      name: 'import() as a type',
      filename: at('payments/x.service.ts'),
      code: "export type Lot = import('../points/entities/point-lot.entity').PointLot;",
      options: [{ root }],
      errors: [{ messageId: 'internalImport', data: { source: '../points/entities/point-lot.entity', target: 'points' } }],
    },
    {
      name: "an entity re-exported through the module's public file",
      filename: at('users/users.service.ts'),
      code: "export { User } from './user.entity';",
      options: [{ root }],
      errors: [{ messageId: 'leakedExport' }],
    },
    {
      name: "an entity type, a repository, and everything of an internal file, passed on by public files",
      filename: at('users/users.service.ts'),
      code: "export type { User } from './user.entity';\nexport { UsersRepository } from './users.repository';\nexport * from './users.repository';\nimport { User as Entity } from './user.entity';\nexport { Entity };",
      options: [{ root }],
      errors: [{ messageId: 'leakedExport' }, { messageId: 'leakedExport' }, { messageId: 'leakedExport' }, { messageId: 'leakedExport' }],
    },
    {
      name: "pg's Client outside a repository",
      filename: at('events/x.ts'),
      code: "import { Client } from 'pg';",
      options: [{ root }],
      errors: [{ messageId: 'dataAccess', data: { what: 'Client' } }],
    },
    {
      name: 'TypeORM and pg as a whole: namespace, default, require, re-export',
      filename: at('payments/x.service.ts'),
      code: "import * as typeorm from 'typeorm';\nimport pg from 'pg';\nconst { DataSource } = require('typeorm');\nexport { EntityManager } from 'typeorm';",
      options: [{ root }],
      errors: [
        { messageId: 'dataAccess', data: { what: "'typeorm' as a whole" } },
        { messageId: 'dataAccess', data: { what: "'pg' as a whole" } },
        { messageId: 'dataAccess', data: { what: 'DataSource' } },
        { messageId: 'dataAccess', data: { what: 'EntityManager' } },
      ],
    },
    {
      name: "the transaction's manager, destructured",
      filename: at('points/spend.service.ts'),
      code: 'const { manager } = this.transactions;\n({ repository: this.repo } = this.transactions);',
      options: [{ root }],
      errors: [{ messageId: 'dataAccess', data: { what: 'TransactionRunner.manager' } }, { messageId: 'dataAccess', data: { what: 'TransactionRunner.repository' } }],
    },
    {
      name: "the transaction's manager, by a computed key",
      filename: at('points/spend.service.ts'),
      code: "this.transactions['manager'].query('SELECT 1');\nconst door = 'repository';\nthis.transactions[door](Thing);",
      options: [{ root }],
      errors: [{ messageId: 'dataAccess', data: { what: 'TransactionRunner.manager' } }, { messageId: 'dataAccess', data: { what: 'TransactionRunner.repository' } }],
    },
  ],
});

/**
 * The project's own lint command (its configuration, type-aware rules included) on a real file of
 * the tree, given on stdin: clean as committed, refused once a cross-module import and SQL on
 * another module's table are planted in it.
 */
describe('the lint command on a planted violation', () => {
  const file = at('payments/checkout.service.ts');
  const source = readFileSync(file, 'utf8');
  const boundaryErrors = (text: string) => {
    const run = spawnSync(join(root, 'node_modules', '.bin', 'eslint'), ['--format', 'json', '--stdin', '--stdin-filename', file], {
      cwd: root,
      input: text,
      encoding: 'utf8',
    });
    const [result] = JSON.parse(run.stdout) as ESLint.LintResult[];
    return {
      status: run.status,
      errors: result.messages.filter((message) => message.ruleId === 'local/module-boundaries').map((message) => message.message),
    };
  };

  it('passes the file as it is', () => {
    expect(boundaryErrors(source)).toEqual({ status: 0, errors: [] });
  }, 60_000);

  // One run for every planted kind: each run of the type-aware lint command costs seconds.
  it("fails on another module's entity, the transaction's manager however it is reached, and SQL on another module's table", () => {
    expect(source).toContain("import { TransactionRunner } from '../database/transaction';");
    const planted =
      `import { User } from '../users/user.entity';\nexport type Planted = User;\n${source}\n` +
      'export function planted(runner: TransactionRunner) {\n  return runner.manager;\n}\n' +
      'export function plantedDoors(runner: TransactionRunner, { repository }: TransactionRunner) {\n' +
      "  const { manager } = runner;\n  return [manager, repository, runner['manager']];\n}\n" +
      "export const plantedSql = 'select points from ' + 'users';\n" +
      'export const plantedUpperSql = `SELECT points FROM ledger_transfers WHERE id = $1`;\n';
    const { status, errors } = boundaryErrors(planted);
    expect(status).toBe(1);
    expect(errors).toEqual([
      expect.stringContaining("'../users/user.entity' is internal to the users module"),
      expect.stringContaining('TransactionRunner.manager belongs in a repository or query service'),
      expect.stringContaining('TransactionRunner.repository belongs in a repository'),
      expect.stringContaining('TransactionRunner.manager belongs in a repository'),
      expect.stringContaining('TransactionRunner.manager belongs in a repository'),
      expect.stringContaining("SQL names 'users', a table of the users module"),
      expect.stringContaining("SQL names 'ledger_transfers', a table of the points module"),
    ]);
  }, 60_000);
});
