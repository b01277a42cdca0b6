import { Client } from 'pg';
import { LedgerAccount, LedgerAccountSql, LedgerFigure, SOURCE_ACCOUNTS } from './ledger-accounts';

describe('LedgerAccount', () => {
  it('names the source accounts and the accounts of an interaction and of a moderator', () => {
    expect([LedgerAccount.stripeSales, LedgerAccount.platformEarnings, LedgerAccount.platformSpent]).toEqual(['stripe:sales', 'platform:earnings', 'platform:spent']);
    expect(LedgerAccount.client('12')).toBe('interaction:12:client');
    expect(LedgerAccount.held('12')).toBe('interaction:12:held');
    expect(LedgerAccount.moderator('7')).toBe('moderator:7');
    expect(LedgerFigure.received('12')).toBe('interaction:12:received');
    expect(LedgerFigure.lots('12')).toBe('interaction:12:lots');
    expect(LedgerFigure.lot('31', 'missing')).toBe('lot:31:missing');
    expect(LedgerFigure.spendAllocated('5')).toBe('spend:5:allocated');
  });

  it('counts as sources exactly the accounts no column caches', () => {
    expect(SOURCE_ACCOUNTS).toEqual(['stripe:sales', 'platform:earnings', 'platform:spent', 'platform:promotions']);
  });
});

/** The SQL spellings, evaluated by PostgreSQL itself, give the names the TypeScript builders give. */
describe('LedgerAccountSql', () => {
  let db: Client;

  beforeAll(async () => {
    db = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
  });

  async function evaluate(sql: string, parameters: unknown[] = []): Promise<unknown> {
    const { rows } = await db.query<{ value: unknown }>(`SELECT ${sql} AS value`, parameters);
    return rows[0].value;
  }

  it('builds the same names as the TypeScript builders from an id column or parameter', async () => {
    expect(await evaluate(LedgerAccountSql.client('$1::bigint'), ['12'])).toBe(LedgerAccount.client('12'));
    expect(await evaluate(LedgerAccountSql.held('$1::bigint'), ['12'])).toBe(LedgerAccount.held('12'));
    expect(await evaluate(LedgerAccountSql.moderator('$1::bigint'), ['7'])).toBe(LedgerAccount.moderator('7'));
    expect(await evaluate(LedgerAccountSql.lotsFigure('$1::bigint'), ['12'])).toBe(LedgerFigure.lots('12'));
    expect(await evaluate(LedgerAccountSql.lotFigure('$1::bigint', "'taken'"), ['31'])).toBe(LedgerFigure.lot('31', 'taken'));
    expect(await evaluate(LedgerAccountSql.spendAllocatedFigure('$1::bigint'), ['5'])).toBe(LedgerFigure.spendAllocated('5'));
  });

  it('parses the moderator id back out of a moderator account', async () => {
    expect(await evaluate(LedgerAccountSql.moderatorIdOf('$1::text'), [LedgerAccount.moderator('4031')])).toBe('4031');
  });

  it.each([
    ['client', LedgerAccountSql.clientPattern, [LedgerAccount.client('12')]],
    ['held', LedgerAccountSql.heldPattern, [LedgerAccount.held('12')]],
    ['moderator', LedgerAccountSql.moderatorPattern, [LedgerAccount.moderator('7')]],
  ])('matches every %s account with its pattern, and no other account', async (_kind, pattern, matching) => {
    const every = [
      LedgerAccount.stripeSales,
      LedgerAccount.platformEarnings,
      LedgerAccount.platformSpent,
      LedgerAccount.client('12'),
      LedgerAccount.held('12'),
      LedgerAccount.moderator('7'),
      LedgerFigure.received('12'),
      LedgerFigure.lots('12'),
    ];
    const matched = await evaluate(`array(SELECT name FROM unnest($1::text[]) AS name WHERE name LIKE ${pattern})`, [every]);
    expect(matched).toEqual(matching);
  });
});
