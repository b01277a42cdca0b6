import type { IncomingMessage } from 'node:http';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable, tap } from 'rxjs';
import { nodeRequestOf } from '../common/request-id';

/** The outcome label of webhook deliveries refused before any event was applied. */
export const WEBHOOK_REFUSALS = {
  /** 400: missing, wrong or stale Stripe-Signature; the body is not trusted, so its type is not read. */
  invalidSignature: 'invalid_signature',
  /** Any other 4xx (a body too large, …). */
  rejected: 'rejected',
  /** 5xx: Stripe retries it (a transient failure, or the instance shutting down). */
  error: 'error',
} as const;

/** The type label when the event's type is not known: not verified yet, or missing from a malformed event. */
export const UNVERIFIED_TYPE = 'unverified';
export const UNKNOWN_TYPE = 'unknown';

/** Where the answered outcome is kept on the request until its line is logged. */
const OUTCOME = Symbol('webhook outcome');

/** `stripePayload`: the signed body, parsed, set by StripeSignatureGuard once the signature holds. */
type WebhookRequest = IncomingMessage & { stripePayload?: unknown; [OUTCOME]?: string };

/** What the log line and the metric say about one webhook delivery. */
export interface WebhookFacts {
  /** Absent when the signature was refused (the body is not trusted) or the event had no id. */
  eventId?: string;
  eventType: string;
  outcome: string;
}

/**
 * Keeps the outcome the webhook answered (`{ received, outcome }`) on the request, for the request's
 * log line and `stripe_webhook_events_total`. Global, but it only acts on requests that passed the
 * Stripe signature guard, which runs before interceptors; the webhook's own code stays untouched.
 */
@Injectable()
export class WebhookOutcomeInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<{ raw?: WebhookRequest; stripePayload?: unknown }>();
    if (request.stripePayload === undefined) return next.handle();
    // On the Node request, which the request's log line and metrics see when the answer has left.
    const raw = nodeRequestOf<WebhookRequest>(request);
    raw.stripePayload = request.stripePayload;
    return next.handle().pipe(
      tap((answer: unknown) => {
        const outcome = (answer as { outcome?: unknown } | undefined)?.outcome;
        if (typeof outcome === 'string') raw[OUTCOME] = outcome;
      }),
    );
  }
}

/** Stripe's names: lowercase words, dots and underscores. Anything else would be a new label value. */
const EVENT_TYPE = /^[a-z][a-z0-9_.]{0,99}$/;
const EVENT_ID = /^[\w-]{1,255}$/;

/** The facts of a finished webhook delivery, from what the guard verified and what was answered. */
export function webhookFactsOf(request: IncomingMessage, status: number): WebhookFacts {
  const { stripePayload, [OUTCOME]: answered } = request as WebhookRequest;
  const event = typeof stripePayload === 'object' && stripePayload !== null ? (stripePayload as { id?: unknown; type?: unknown }) : {};
  const verified = stripePayload !== undefined;
  const eventType = !verified ? UNVERIFIED_TYPE : typeof event.type === 'string' && EVENT_TYPE.test(event.type) ? event.type : UNKNOWN_TYPE;
  const eventId = verified && typeof event.id === 'string' && EVENT_ID.test(event.id) ? event.id : undefined;
  return { ...(eventId && { eventId }), eventType, outcome: outcomeOf(status, verified, answered) };
}

function outcomeOf(status: number, verified: boolean, answered: string | undefined): string {
  if (status < 300 && answered) return answered;
  if (status >= 500) return WEBHOOK_REFUSALS.error;
  return status === 400 && !verified ? WEBHOOK_REFUSALS.invalidSignature : WEBHOOK_REFUSALS.rejected;
}
