import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint, RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const rule = require('../../eslint-rules/module-boundaries.cjs') as import('eslint').Rule.RuleModule;

const root = join(__dirname, '..', '..');
const at = (file: string) => join(root, 'src', file);

const tester = new RuleTester({ languageOptions: { parser: tseslint.parser, sourceType: 'module' } });

/** The rule on its own, over the three things it refuses and what it lets through. */
tester.run('module-boundaries', rule, {
  valid: [
    { name: 'a module imports its own entity', filename: at('payments/checkout.service.ts'), code: "import { PointTransaction } from './entities/point-transaction.entity';", options: [{ root }] },
    { name: "another module's service, module, errors and DTOs", filename: at('admin/summary.service.ts'), code: "import { PacksService } from '../points/packs.service';\nimport { PointsModule } from '../points/points.module';\nimport { PointsError } from '../points/points.errors';\nimport { SpendRequestDto } from '../points/dto/spend.dto';", options: [{ root }] },
    { name: "another module's query service and SQL fragments", filename: at('moderators/x.queries.ts'), code: "import { LedgerSql } from '../points/ledger.sql';\nimport { LedgerReports } from '../points/ledger-reports.queries';", options: [{ root }] },
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

  it('fails on the transaction manager taken outside a repository, whatever the runner is called', () => {
    expect(source).toContain("import { TransactionRunner } from '../database/transaction';");
    const { status, errors } = boundaryErrors(`${source}\nexport function planted(runner: TransactionRunner) {\n  return runner.manager;\n}\n`);
    expect(status).toBe(1);
    expect(errors).toEqual([expect.stringContaining('TransactionRunner.manager belongs in a repository or query service')]);
  }, 60_000);

  it("fails on another module's entity imported into it, and on SQL naming another module's table", () => {
    const planted = `import { User } from '../users/user.entity';\nexport type Planted = User;\n${source}\nexport const plantedSql = \`SELECT points FROM ledger_transfers WHERE id = $1\`;\n`;
    const { status, errors } = boundaryErrors(planted);
    expect(status).toBe(1);
    expect(errors).toEqual([
      expect.stringContaining("'../users/user.entity' is internal to the users module"),
      expect.stringContaining("SQL names 'ledger_transfers', a table of the points module"),
    ]);
  }, 60_000);
});
