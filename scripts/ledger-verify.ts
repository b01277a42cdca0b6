import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { validateEnv } from '../src/config/env.schema';
import { PurchaseSql } from '../src/payments/purchases.sql';
import { ledgerDrift } from '../src/points/ledger-drift.queries';

/** `npm run ledger:verify`: recomputes every balance from the ledger; exit code 1 on any drift. */
async function main(): Promise<number> {
  // It reads the database and nothing else: the service's secrets are not asked for.
  const env = validateEnv(process.env, { migrationsOnly: true });
  if (!env.DATABASE_URL) {
    console.error('DATABASE_URL must name the database to verify');
    return 2;
  }
  const db = await new DataSource({ type: 'postgres', url: env.DATABASE_URL }).initialize();
  try {
    const [{ transfers }] = await db.query<Array<{ transfers: string }>>(`SELECT count(*) AS transfers FROM ledger_transfers`);
    const drift = await ledgerDrift(db, PurchaseSql);
    if (drift.length === 0) {
      process.stdout.write(`ledger verified: ${transfers} transfers, every cached balance matches\n`);
      return 0;
    }
    console.error(`ledger drift in ${drift.length} account(s):`);
    for (const row of drift) console.error(`  ${row.account}: ledger ${row.ledger}, cached ${row.cached}`);
    return 1;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('ledger:verify failed:', error);
    process.exit(2);
  },
);
