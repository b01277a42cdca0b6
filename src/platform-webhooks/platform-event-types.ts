import type { BalanceChanged } from '../events/event-map';
import type { BalanceSnapshot } from '../points/balances.service';

/**
 * Every event type sent to the platform. A type is one member of `BalanceCause` (its fields) and one
 * line here; the compiler checks that the two lists agree.
 */
export const PLATFORM_EVENT_TYPES = [
  'purchase.completed',
  'purchase.reversed',
  'purchase.restored',
  'points.spent',
  'points.granted',
  'points.frozen',
  'points.unfrozen',
] as const;

export type PlatformEventType = (typeof PLATFORM_EVENT_TYPES)[number];

// Fails to compile when a BalanceCause type is missing from the list, or the list names an unknown one.
type Missing = Exclude<BalanceChanged['type'], PlatformEventType>;
type Unknown = Exclude<PlatformEventType, BalanceChanged['type']>;
const everyTypeListed: [Missing, Unknown] extends [never, never] ? true : never = true;
void everyTypeListed;

/** The body of an event to the platform: Standard Webhooks' `{type, timestamp, data}`. */
export interface PlatformEventBody {
  type: PlatformEventType;
  /** When the change happened (ISO 8601); each try's signature carries its own time. */
  timestamp: string;
  /** The change's own fields, camelCase, with the client's balance for the profile after it. */
  data: Record<string, unknown> & { clientId: string; profileId: string } & BalanceSnapshot;
}

/** What the platform is told of a change, with the balance after it. */
export function platformEventBody(change: BalanceChanged, snapshot: BalanceSnapshot): PlatformEventBody {
  const { type, occurredAt, clientId, profileId, ...fields } = change;
  return {
    type,
    timestamp: occurredAt,
    data: { clientId, profileId, ...fields, balance: snapshot.balance, spendable: snapshot.spendable, balanceVersion: snapshot.balanceVersion },
  };
}
