import { reactive } from 'vue';
import type { MessageKey } from './messages';
import type { Role } from './types';

/** Who the page acts for. Kept per tab (sessionStorage): one window can be the client, another the moderator. */
export interface Session {
  token: string;
  userId: string;
  role: Role;
  name: string;
  /** The demo profile, when the session came from the development picker. */
  profileId?: string;
  profileName?: string;
}

const STORAGE_KEY = 'profile-points.session';
const ROLES: readonly string[] = ['client', 'moderator', 'admin'];

export const session = reactive<{ current: Session | null; notice: MessageKey | null }>({ current: restore(), notice: null });

export function signIn(next: Session): void {
  session.current = next;
  session.notice = null;
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
}

/** `notice`: why, shown on the page the reader lands on (e.g. the token expired). */
export function signOut(notice: MessageKey | null = null): void {
  session.current = null;
  session.notice = notice;
  sessionStorage.removeItem(STORAGE_KEY);
}

/**
 * A session from a bearer token pasted by hand. The claims are only read to label the page; the
 * service verifies the token on every request.
 */
export function sessionFromToken(token: string): Session | null {
  const claims = readClaims(token.trim());
  if (claims === null || typeof claims.sub !== 'string' || typeof claims.role !== 'string' || !ROLES.includes(claims.role)) return null;
  return { token: token.trim(), userId: claims.sub, role: claims.role as Role, name: `#${claims.sub}` };
}

function restore(): Session | null {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as Session | null;
    if (saved === null) return null;
    const exp = readClaims(saved.token)?.exp;
    return typeof exp === 'number' && exp * 1000 > Date.now() ? saved : null;
  } catch {
    return null;
  }
}

function readClaims(token: string): Record<string, unknown> | null {
  const payload = token.split('.')[1];
  if (payload === undefined) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims: unknown = JSON.parse(json);
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
