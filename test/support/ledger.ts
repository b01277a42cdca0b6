export { ledgerDrift } from '../../src/points/ledger-verifier';
