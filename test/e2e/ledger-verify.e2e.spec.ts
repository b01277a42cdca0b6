import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createScenario } from '../factories';
import { buy } from '../support/purchases';
import { startTestApp, TestApp } from '../support/test-app';

const run = promisify(execFile);

describe('npm run ledger:verify', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ RECONCILE_INTERVAL_MS: '0' });
  });
  afterAll(async () => {
    await t.close();
  });

  function verify() {
    return run('node', ['-r', 'ts-node/register/transpile-only', 'scripts/ledger-verify.ts'], {
      // As an operator runs it: DATABASE_URL only (no JWT_SECRET or Stripe keys: it reads the database, nothing else).
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: process.env.TEST_DATABASE_URL },
      timeout: 60_000,
    }).then(
      ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
  }

  it('exits 0 on a consistent ledger and 1, naming the account, when a cached balance drifts', async () => {
    const { moderator, client, profile } = await createScenario(t.db);
    await buy(t, client, profile.id, '500');

    const clean = await verify();
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/ledger verified: \d+ transfers/);

    await t.db.query(`UPDATE users SET points = points + 7 WHERE id = $1`, [moderator.id]);
    try {
      const drifted = await verify();
      expect(drifted.code).toBe(1);
      expect(drifted.stderr).toContain(`moderator:${moderator.id}: ledger 500, cached 507`);
    } finally {
      await t.db.query(`UPDATE users SET points = points - 7 WHERE id = $1`, [moderator.id]);
    }
  }, 120_000);
});
