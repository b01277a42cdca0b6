import { InitialSchema1764000000000 } from './1764000000000-InitialSchema';
import { Notifications1764100000000 } from './1764100000000-Notifications';
import { PaymentOutcomes1764200000000 } from './1764200000000-PaymentOutcomes';
import { OperatorTools1764300000000 } from './1764300000000-OperatorTools';
import { PointLots1764400000000 } from './1764400000000-PointLots';
import { EarningsCheckpoints1764500000000 } from './1764500000000-EarningsCheckpoints';
import { OutboxClaims1764600000000 } from './1764600000000-OutboxClaims';
import { LedgerAccountCoveringIndexes1764700000000 } from './1764700000000-LedgerAccountCoveringIndexes';
import { MoneyAmountInStripeMinorUnits1764800000000 } from './1764800000000-MoneyAmountInStripeMinorUnits';
import { PlatformIdentity1765000000000 } from './1765000000000-PlatformIdentity';
import { BalanceVersion1765050000000 } from './1765050000000-BalanceVersion';
import { PlatformEvents1765050000001 } from './1765050000001-PlatformEvents';
import { ModeratorPayouts1765100000000 } from './1765100000000-ModeratorPayouts';
import { RetentionIndexes1765200000000 } from './1765200000000-RetentionIndexes';
import { MoneyOnlyTransfers1765300000000 } from './1765300000000-MoneyOnlyTransfers';

/** Every migration, in order. Listed explicitly so the app, the CLI and the tests run the same set. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  Notifications1764100000000,
  PaymentOutcomes1764200000000,
  OperatorTools1764300000000,
  PointLots1764400000000,
  EarningsCheckpoints1764500000000,
  OutboxClaims1764600000000,
  LedgerAccountCoveringIndexes1764700000000,
  MoneyAmountInStripeMinorUnits1764800000000,
  PlatformIdentity1765000000000,
  BalanceVersion1765050000000,
  PlatformEvents1765050000001,
  ModeratorPayouts1765100000000,
  RetentionIndexes1765200000000,
  MoneyOnlyTransfers1765300000000,
];
