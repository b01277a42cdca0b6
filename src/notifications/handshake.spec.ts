import { readHandshake } from './handshake';
import { NotificationsError, NotificationsErrorCode } from './notifications.errors';

function refusal(run: () => unknown): NotificationsError {
  try {
    run();
  } catch (error) {
    if (error instanceof NotificationsError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe(readHandshake.name, () => {
  it('takes the token from auth.token first, then from an Authorization: Bearer header', () => {
    expect(readHandshake({ token: 'a.b.c' }, 'Bearer x.y.z').token).toBe('a.b.c');
    expect(readHandshake({ token: 'Bearer a.b.c' }, undefined).token).toBe('a.b.c');
    expect(readHandshake(undefined, 'Bearer x.y.z').token).toBe('x.y.z');
    expect(readHandshake({}, 'bearer x.y.z').token).toBe('x.y.z');
  });

  it.each([
    ['nothing', undefined, undefined],
    ['an empty token', { token: '  ' }, undefined],
    ['a token that is not a string', { token: ['a'] }, undefined],
    ['a Basic header', {}, 'Basic dXNlcjpwYXNz'],
  ])('refuses %s as UNAUTHORIZED', (_label, auth, header) => {
    const error = refusal(() => readHandshake(auth, header));
    expect(error.code).toBe(NotificationsErrorCode.Unauthorized);
    expect(error.toRefusal()).toMatchObject({ status: 401, error: 'UNAUTHORIZED' });
    expect(error.message.length).toBeGreaterThan(10);
  });

  it.each([
    [undefined, null],
    [null, null],
    ['0', '0'],
    ['1042', '1042'],
    ['007', '7'],
    [42, '42'],
    ['999999999999999999', '999999999999999999'],
  ])('reads lastNotificationId %p as %p', (lastNotificationId, expected) => {
    expect(readHandshake({ token: 't', lastNotificationId }, undefined).lastNotificationId).toBe(expected);
  });

  it.each([['-1'], ['1.5'], [1.5], [-3], ['12abc'], [''], ['1e3'], ['9999999999999999999'], [true], [{}]])(
    'refuses lastNotificationId %p with INVALID_LAST_NOTIFICATION_ID (400)',
    (lastNotificationId) => {
      const error = refusal(() => readHandshake({ token: 't', lastNotificationId }, undefined));
      expect(error.toRefusal()).toMatchObject({ status: 400, error: 'INVALID_LAST_NOTIFICATION_ID' });
    },
  );
});
