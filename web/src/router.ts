import { computed, shallowRef } from 'vue';

/**
 * The client's pages, by path. Two of them are addresses the service gives Stripe Checkout
 * (success_url and cancel_url), the others are this client's own; the service answers a browser's
 * navigation to any of them with this page (see src/web-client/client-pages.ts).
 */
export type Route =
  | { page: 'home' }
  | { page: 'packs'; profileId: string; cancelled: boolean }
  | { page: 'success'; sessionId: string | null }
  | { page: 'purchases' }
  | { page: 'moderator' }
  | { page: 'money' }
  | { page: 'admin-payouts' }
  | { page: 'not-found' };

export function parseRoute(url: URL): Route {
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { page: 'home' };
  if (path === '/purchases') return { page: 'purchases' };
  if (path === '/moderator') return { page: 'moderator' };
  if (path === '/moderator/money') return { page: 'money' };
  if (path === '/admin/payouts') return { page: 'admin-payouts' };
  if (path === '/profile-points/success') return { page: 'success', sessionId: url.searchParams.get('session_id') };
  const packs = /^\/profile\/([^/]+)\/points$/.exec(path);
  if (packs !== null) return { page: 'packs', profileId: decodeURIComponent(packs[1]), cancelled: url.searchParams.get('checkout') === 'cancelled' };
  return { page: 'not-found' };
}

/** The address of the page: set by navigate() and by the browser's back and forward buttons. */
export const currentUrl = shallowRef(new URL(window.location.href));
export const route = computed(() => parseRoute(currentUrl.value));

/** Client-side navigation: same-origin links change the page without a reload. */
export function navigate(href: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  currentUrl.value = new URL(window.location.href);
}

window.addEventListener('popstate', () => {
  currentUrl.value = new URL(window.location.href);
});

export const profilePath = (profileId: string) => `/profile/${encodeURIComponent(profileId)}/points`;
