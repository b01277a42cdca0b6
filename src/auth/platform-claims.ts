import { ID_PATTERN } from '../common/ids';
import { Env } from '../config/env.schema';
import { Role } from '../users/user-role';

/** Where a token carries the user id and the role, and how the platform's role names read here. */
export interface ClaimSettings {
  /** JWT_USER_ID_CLAIM: the claim holding the platform's user id (`sub`). */
  userIdClaim: string;
  /** JWT_ROLE_CLAIM as a path: `role`, or `realm_access.roles` → ['realm_access', 'roles']. */
  rolePath: readonly string[];
  /** JWT_ROLE_MAP: platform role → role. Null: the claim must hold a role's own name. */
  roleMap: ReadonlyMap<string, Role> | null;
}

const ROLES: ReadonlySet<string> = new Set(Object.values(Role));

export function claimSettings(env: Pick<Env, 'JWT_USER_ID_CLAIM' | 'JWT_ROLE_CLAIM' | 'JWT_ROLE_MAP'>): ClaimSettings {
  return {
    userIdClaim: env.JWT_USER_ID_CLAIM,
    rolePath: env.JWT_ROLE_CLAIM.split('.'),
    roleMap: env.JWT_ROLE_MAP ? new Map(env.JWT_ROLE_MAP.map((pair) => [pair.slice(0, pair.lastIndexOf(':')), pair.slice(pair.lastIndexOf(':') + 1) as Role])) : null,
  };
}

/**
 * The user id a token names: a positive integer of at most 18 digits, written as a string ("42") or as
 * a JSON number (42, a safe integer). Anything else (a UUID, "auth0|…", 4.2, -1) is null: identity
 * providers whose `sub` is not an integer put the platform's id in a claim of their own.
 */
export function userIdOf(claims: Record<string, unknown>, claim: string): string | null {
  const value = claims[claim];
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  return typeof text === 'string' && ID_PATTERN.test(text) ? text : null;
}

/**
 * The role a token claims, in this service's words, or null when it names none: the value at the
 * claim's path (through nested objects), or the first value of an array that reads as a role (an
 * identity provider's list of groups). With a role map, only the platform roles it lists count; without
 * one, only the names client, moderator and admin.
 */
export function roleOf(claims: Record<string, unknown>, settings: Pick<ClaimSettings, 'rolePath' | 'roleMap'>): Role | null {
  let value: unknown = claims;
  for (const key of settings.rolePath) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, key)) return null;
    value = (value as Record<string, unknown>)[key];
  }
  const candidates = Array.isArray(value) ? value : [value];
  for (const candidate of candidates) {
    if (typeof candidate !== 'string') continue;
    const role = settings.roleMap ? settings.roleMap.get(candidate) : ROLES.has(candidate) ? (candidate as Role) : undefined;
    if (role) return role;
  }
  return null;
}

/** Longest name and e-mail taken from a token (the integration routes take the same). */
export const MAX_NAME_LENGTH = 200;
export const MAX_EMAIL_LENGTH = 254;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/**
 * The optional `name` and `email` claims of a platform token, when they are usable: text without NUL,
 * trimmed, not too long, and for the e-mail an address. A claim that is not is left out (the user is
 * still created), never stored half-right.
 */
export function profileClaimsOf(claims: Record<string, unknown>): { name?: string; email?: string } {
  const text = (value: unknown, max: number) => (typeof value === 'string' && !value.includes('\0') && value.trim() !== '' && value.trim().length <= max ? value.trim() : undefined);
  const name = text(claims.name, MAX_NAME_LENGTH);
  const email = text(claims.email, MAX_EMAIL_LENGTH);
  return { ...(name !== undefined && { name }), ...(email !== undefined && EMAIL.test(email) && { email }) };
}
