import { Env } from '../config/env.schema';
import { IntegrationCredential } from './integration-credential';

const CURRENT = 'f3a91c0be27d4d6a8c55e1097b3f2ad4';
const NEXT = 'Zt6x+q1Kp0WmR8vJ3bN9yLc2HsFaE4dG/uT7oQ5iXk=';

describe(IntegrationCredential.name, () => {
  it('accepts each token of the list, as a bearer token, and nothing else', () => {
    const sut = new IntegrationCredential({ INTEGRATION_TOKEN: [CURRENT, NEXT] } as Env);
    expect(sut.enabled).toBe(true);
    expect(sut.accepts(`Bearer ${CURRENT}`)).toBe(true);
    expect(sut.accepts(`bearer ${NEXT}`)).toBe(true);
    for (const header of [undefined, '', CURRENT, `Bearer ${CURRENT}x`, `Bearer ${CURRENT.slice(1)}`, `Basic ${CURRENT}`, 'Bearer ']) {
      expect(sut.accepts(header)).toBe(false);
    }
  });

  it('is off, and accepts nothing, when INTEGRATION_TOKEN is not set', () => {
    const sut = new IntegrationCredential({} as Env);
    expect(sut.enabled).toBe(false);
    expect(sut.accepts('Bearer anything')).toBe(false);
  });
});
