import { AdminError } from './admin/admin.errors';
import { AuthError } from './auth/auth.errors';
import { AppError } from './common/app-error';
import { EdgeError } from './common/edge.errors';
import type { ErrorExample } from './common/openapi';
import { HealthError } from './health/health.errors';
import { IntegrationError } from './integration/integration.errors';
import { InteractionsError } from './interactions/interactions.errors';
import { NotificationsError } from './notifications/notifications.errors';
import { ObservabilityError } from './observability/observability.errors';
import { PaymentsError } from './payments/payments.errors';
import { PayoutsError } from './payouts/payouts.errors';
import { PlatformWebhooksError } from './platform-webhooks/platform-webhooks.errors';
import { PointsError } from './points/points.errors';
import { ProfilesError } from './profiles/profiles.errors';
import { RateLimitError } from './rate-limit/rate-limit.errors';
import { UsersError } from './users/users.errors';


/** A module's error class (`moduleError`): its static factories make the examples. */
export interface ErrorClass {
  readonly name: string;
  readonly prototype: AppError;
}

// The first class to answer a code words its example: the HTTP rate limit before the sockets' one.
const ERROR_CLASSES: ErrorClass[] = [
  EdgeError,
  RateLimitError,
  AuthError,
  AdminError,
  HealthError,
  IntegrationError,
  InteractionsError,
  NotificationsError,
  ObservabilityError,
  PaymentsError,
  PayoutsError,
  PlatformWebhooksError,
  PointsError,
  ProfilesError,
  UsersError,
];

/**
 * One stand-in for any argument of an error's factory: written into a message it reads "42" (an id,
 * a count, a list of one), and it has what the factories call on a date or a list.
 */
function sampleArgument(): unknown {
  const sample = ['42'] as unknown as Record<string, unknown>;
  sample.toISOString = () => '2026-03-01T00:00:00.000Z';
  sample.getTime = () => Date.parse('2026-03-01T00:00:00.000Z');
  return sample;
}

/** Arguments that read better in an example than the stand-in does. */
const ARGUMENTS: Readonly<Record<string, unknown[]>> = {
  'RateLimitError.tooMany': ['checkouts', 30],
  'AuthError.roleNotAllowed': [['admin']],
  'EdgeError.unsupportedMediaType': ['text/plain'],
  'EdgeError.bodyTooDeep': [32],
  'EdgeError.bodyTooLarge': [65_536],
};

/**
 * Every error code's message, made by the modules' own factories (`PointsError.unknownPack(…)`) with
 * sample arguments, so that the document's examples say what the service really answers. A factory
 * that needs a real object (a caught exception) is left out: its code falls back to its description.
 */
export function errorExamples(moreClasses: readonly ErrorClass[] = []): Map<string, ErrorExample> {
  const examples = new Map<string, ErrorExample>();
  for (const errorClass of [...ERROR_CLASSES, ...moreClasses]) {
    for (const name of Object.getOwnPropertyNames(errorClass)) {
      const factory = (errorClass as unknown as Record<string, unknown>)[name];
      if (typeof factory !== 'function' || name === 'prototype') continue;
      let error: unknown;
      try {
        const args = ARGUMENTS[`${errorClass.name}.${name}`] ?? Array.from({ length: factory.length }, sampleArgument);
        error = (factory as (...args: unknown[]) => unknown).apply(errorClass, args);
      } catch {
        continue;
      }
      if (error instanceof AppError && !examples.has(error.code)) examples.set(error.code, { status: error.status, message: error.message });
    }
  }
  return examples;
}
