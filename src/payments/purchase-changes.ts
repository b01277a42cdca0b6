import { Purchase } from './entities/purchase.entity';
import { DisputeStatus, FraudWarningStatus, PurchaseStatus } from './purchase-status';

/**
 * Columns of a purchase that payment facts and crediting change. An absent field keeps its value,
 * and so does a null one: a Stripe reference, once stored, is never forgotten by a later fact that
 * lacks it, and a purchase whose points are held (no moderator yet) keeps whoever earned it before.
 */
export interface PurchaseColumns {
  status?: PurchaseStatus;
  creditedAt?: Date;
  stripeSessionId?: string;
  stripePaymentId?: string;
  stripeChargeId?: string;
  stripeAmountPaidCents?: number;
  stripeAmountRefundedCents?: number;
  refundedPoints?: number;
  disputedPoints?: number;
  disputeId?: string;
  disputeStatus?: DisputeStatus;
  failureReason?: string | null;
  moderatorId?: string | null;
  fraudWarningId?: string;
  fraudWarningStatus?: FraudWarningStatus;
  fraudWarnedAt?: Date;
  fraudRefundCents?: number;
}

/**
 * The changes one operation makes to the purchases it holds locked, collected as it decides them and
 * written once at its end (`PurchasesRepository.write`): a purchase decided, credited and attributed
 * in one operation is rewritten once, and each rewrite of a row touches every index of the table.
 * Each change is applied at once to the loaded row too, so that a later fact of the same operation
 * decides on what an earlier one decided.
 */
export class PurchaseChanges {
  private readonly byId = new Map<string, PurchaseColumns>();

  /** Records `changes` of the locked, loaded `purchase`, and applies them to it. */
  set(purchase: Purchase, changes: PurchaseColumns): void {
    const present = presentColumns(changes);
    // A completed purchase has no failure (one whose session was never received may still be paid).
    if (present.status === PurchaseStatus.Completed && purchase.failureReason !== null) present.failureReason = null;
    if (Object.keys(present).length === 0) return;
    this.byId.set(purchase.id, { ...this.byId.get(purchase.id), ...present });
    Object.assign(purchase, present);
  }

  get size(): number {
    return this.byId.size;
  }

  /** Each changed purchase with exactly the columns that changed (a null here sets NULL). */
  entries(): IterableIterator<[string, PurchaseColumns]> {
    return this.byId.entries();
  }
}

/** The fields that change something: an absent or null one keeps the stored value (see PurchaseColumns). */
function presentColumns(changes: PurchaseColumns): PurchaseColumns {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined && value !== null));
}
