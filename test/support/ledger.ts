export { ledgerDrift } from '../../src/points/ledger-drift.queries';
