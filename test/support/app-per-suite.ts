import { ledgerDrift } from './ledger';
import { startTestApp, TestApp } from './test-app';

/**
 * The service for the tests of one describe block: started before them, closed after them, and after
 * each test, once the Stripe emulator has delivered all it had to, the ledger must still add up.
 * Call it in the describe body; the object it returns is filled in when the block starts.
 */
export function appWithBalancedLedger(env: Record<string, string> = {}): TestApp {
  const t = {} as TestApp;
  beforeAll(async () => {
    Object.assign(t, await startTestApp(env));
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(async () => {
    await t.emulator.idle();
    expect(await ledgerDrift(t.db)).toEqual([]);
  });
  return t;
}
