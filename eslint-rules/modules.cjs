// @ts-check
/**
 * The module map that `npm run lint` enforces (eslint-rules/module-boundaries.cjs): which module owns
 * each table, and which files of a module other modules may import. ARCHITECTURE.md explains it.
 */

/** Every table, by the one module whose repositories, query services and SQL fragments name it. */
const TABLE_OWNERS = {
  users: 'users',
  profiles: 'profiles',
  profile_client_interactions: 'interactions',
  profile_point_transactions: 'payments',
  stripe_events: 'payments',
  ledger_transfers: 'points',
  point_lots: 'points',
  point_lot_entries: 'points',
  point_packs: 'points',
  point_spends: 'points',
  point_grants: 'points',
  payout_details: 'payouts',
  payout_runs: 'payouts',
  payouts: 'payouts',
  earnings_checkpoints: 'moderators',
  outbox_events: 'events',
  notifications: 'notifications',
  platform_events: 'platform-webhooks',
  platform_event_attempts: 'platform-webhooks',
  typeorm_migrations: 'database',
};

/** Shared kernel: plain building blocks any module may import whole. They import no feature module's internals. */
const SHARED = ['common', 'config', 'database'];

/**
 * What any module shows the others, by file name: its Nest module, services, ports (what it offers
 * another module inside that module's transaction, or asks of it) and query services, SQL
 * fragments, errors, decorators and DTOs. Entities, repositories, listeners and everything else
 * stay inside.
 */
const PUBLIC_FILE = /(?:\.module|\.service|\.port|\.queries|\.sql|\.errors|\.decorators|\.dto)\.ts$|\/dto\/[^/]+\.ts$/;

/** Further public files, by module (paths inside the module's folder). */
const PUBLIC_EXTRAS = {
  users: ['user-role.ts'],
  payments: ['purchase-status.ts'],
  points: ['ledger-accounts.ts', 'transfer-kind.ts'],
  auth: ['auth-user.ts', 'authenticator.ts', 'integration-credential.ts', 'platform-claims.ts', 'token-policy.ts', 'token-verifier.ts', 'verified-token.ts'],
  events: ['event-bus.ts', 'event-map.ts'],
  observability: ['route-label.ts'],
  health: ['shutdown.ts'],
  'rate-limit': ['redis-throttler-storage.ts'],
  redis: ['redis-link.ts'],
};

/** Files that hold data access: the owners' repositories and query services (and the database kernel). */
const DATA_ACCESS_FILE = /\.(?:repository|queries)\.ts$/;

/**
 * Tests beside the code: they may open their own database connection (a pg Client, a DataSource) to
 * run the SQL they test, but still import only public files and name only their module's tables.
 */
const TEST_FILE = /\.spec\.ts$/;

module.exports = { TABLE_OWNERS, SHARED, PUBLIC_FILE, PUBLIC_EXTRAS, DATA_ACCESS_FILE, TEST_FILE };
