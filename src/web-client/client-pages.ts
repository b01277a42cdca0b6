/**
 * The reference client's pages (web/src/router.ts), as the service tells them apart from the API.
 *
 * - Its own pages exist only in the client: any GET is answered with the page.
 * - Two are addresses the service gives Stripe Checkout and that the API also serves: success_url
 *   (`/profile-points/success?session_id=…`) and cancel_url (`/profile/<id>/points?checkout=cancelled`).
 *   A browser navigation to them (no Authorization, HTML preferred to JSON) gets the page; the
 *   client's own calls (bearer token, JSON) reach the API as before.
 */
const OWN_PAGES: readonly RegExp[] = [/^\/$/, /^\/purchases\/?$/, /^\/moderator\/?$/, /^\/moderator\/money\/?$/, /^\/admin\/payouts\/?$/];
const SHARED_WITH_API: readonly RegExp[] = [/^\/profile-points\/success\/?$/, /^\/profile\/[^/]+\/points\/?$/];

export type ClientPath = 'own-page' | 'shared-with-api' | 'asset' | 'other';

export function classifyPath(path: string): ClientPath {
  if (OWN_PAGES.some((page) => page.test(path))) return 'own-page';
  if (SHARED_WITH_API.some((page) => page.test(path))) return 'shared-with-api';
  // Vite's hashed bundles, and the icon from web/public.
  if (/^\/assets\/[\w.-]+$/.test(path) || path === '/favicon.svg') return 'asset';
  return 'other';
}

export interface RequestTraits {
  authorization: boolean;
  /** What content negotiation picks between 'json' and 'html' for the request's Accept header. */
  prefers: string | false;
}

/** A browser loading the page, not a program calling the API. */
export function isPageNavigation(request: RequestTraits): boolean {
  return !request.authorization && request.prefers === 'html';
}
