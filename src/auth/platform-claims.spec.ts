import { Role } from '../users/user-role';
import { claimSettings, profileClaimsOf, roleOf, userIdOf } from './platform-claims';

describe(userIdOf.name, () => {
  it.each([
    [{ sub: '42' }, 'sub', '42'],
    [{ sub: 42 }, 'sub', '42'],
    [{ uid: '900000000000000001' }, 'uid', '900000000000000001'],
    [{ sub: 'auth0|42' }, 'sub', null],
    [{ sub: '042' }, 'sub', null],
    [{ sub: 4.2 }, 'sub', null],
    [{ sub: -1 }, 'sub', null],
    [{ sub: 2 ** 60 }, 'sub', null],
    [{ sub: '1234567890123456789' }, 'sub', null],
    [{ other: '42' }, 'sub', null],
  ])('%j, claim %s: %s', (claims, claim, expected) => {
    expect(userIdOf(claims, claim)).toBe(expected);
  });
});

describe(roleOf.name, () => {
  const plain = claimSettings({ JWT_USER_ID_CLAIM: 'sub', JWT_ROLE_CLAIM: 'role', JWT_ROLE_MAP: undefined });
  const mapped = claimSettings({ JWT_USER_ID_CLAIM: 'sub', JWT_ROLE_CLAIM: 'realm_access.roles', JWT_ROLE_MAP: ['customer:client', 'staff:moderator', 'a:b:admin'] });

  it('reads a role name as it is when no map is set', () => {
    expect(roleOf({ role: 'moderator' }, plain)).toBe(Role.Moderator);
    expect(roleOf({ role: 'staff' }, plain)).toBeNull();
    expect(roleOf({}, plain)).toBeNull();
  });

  it('follows a dotted path, takes the first value of an array that maps, and only mapped names', () => {
    expect(roleOf({ realm_access: { roles: ['offline_access', 'staff', 'customer'] } }, mapped)).toBe(Role.Moderator);
    expect(roleOf({ realm_access: { roles: 'customer' } }, mapped)).toBe(Role.Client);
    expect(roleOf({ realm_access: { roles: ['a:b'] } }, mapped)).toBe(Role.Admin);
    expect(roleOf({ realm_access: { roles: ['client'] } }, mapped)).toBeNull();
    expect(roleOf({ realm_access: ['customer'] }, mapped)).toBeNull();
    expect(roleOf({ realm_access: { roles: [{ name: 'customer' }, 7] } }, mapped)).toBeNull();
    expect(roleOf({ realm_access: null }, mapped)).toBeNull();
  });

  it('never reads a key inherited from Object.prototype', () => {
    expect(roleOf({}, claimSettings({ JWT_USER_ID_CLAIM: 'sub', JWT_ROLE_CLAIM: 'constructor.name', JWT_ROLE_MAP: ['Object:admin'] }))).toBeNull();
  });
});

describe(profileClaimsOf.name, () => {
  it('keeps a usable name and e-mail, trimmed, and leaves out the others', () => {
    expect(profileClaimsOf({ name: ' Léa ', email: 'lea@example.com' })).toEqual({ name: 'Léa', email: 'lea@example.com' });
    expect(profileClaimsOf({ name: '', email: 'not an address' })).toEqual({});
    expect(profileClaimsOf({ name: 'x'.repeat(201), email: 42 })).toEqual({});
    expect(profileClaimsOf({ name: 'a\0b' })).toEqual({});
  });
});
