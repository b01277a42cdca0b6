import { API_CSP, CspDirectives } from '../common/security-headers';

/**
 * The client's pages: its own bundles only (Vite emits no inline script or style), calls and the
 * socket to this origin ('self' covers ws: and wss: to it), no plugin, no framing. Checkout is
 * reached by a top-level navigation (`window.location.assign`), which no directive restricts.
 */
export const WEB_CLIENT_CSP: CspDirectives = {
  ...API_CSP,
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'base-uri': ["'none'"],
  'object-src': ["'none'"],
};
