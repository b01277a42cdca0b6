import { USER_RECHECK_MS } from '../../src/notifications/notifications.gateway';
import { createScenario, createUser } from '../factories';
import { api } from '../support/http';
import { ledgerDrift } from '../support/ledger';
import { buy } from '../support/purchases';
import { userSockets } from '../support/sockets';
import { startTestApp, TestApp } from '../support/test-app';
import { sleep } from '../support/wait';

/**
 * The platform changes its users (in its own table, or through the service): a moderator demoted to
 * client, a user deleted. The service must follow at once: only a current moderator earns, and no
 * socket keeps listening for a user who is gone or whose role changed.
 */
describe('Users who change: demoted moderators earn nothing more, sockets follow their user', () => {
  let t: TestApp;
  const { connect, closeAll } = userSockets();

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterEach(closeAll);
  afterAll(async () => {
    await t.close();
  });

  const pointsOf = async (userId: string) =>
    Number((await t.db.query<Array<{ points: string }>>(`SELECT points FROM users WHERE id = $1`, [userId]))[0].points);

  it('holds what is bought after a moderator is demoted, and gives it to the moderator assigned next', async () => {
    const { moderator, profile, client } = await createScenario(t.db);
    const admin = await createUser(t.db, 'admin');
    await buy(t, client, profile.id, '100');
    expect(await pointsOf(moderator.id)).toBe(100);

    await t.db.query(`UPDATE users SET role = 'client' WHERE id = $1`, [moderator.id]);
    const later = await buy(t, client, profile.id, '500');

    expect(await pointsOf(moderator.id)).toBe(100);
    const [purchase] = await t.db.query<Array<{ moderator_id: string | null }>>(`SELECT moderator_id FROM profile_point_transactions WHERE id = $1`, [
      later.transactionId,
    ]);
    expect(purchase.moderator_id).toBeNull();
    const [interaction] = await t.db.query<Array<{ id: string; held_points: string }>>(
      `SELECT id, held_points FROM profile_client_interactions WHERE client_id = $1 AND profile_id = $2`,
      [client.id, profile.id],
    );
    expect(Number(interaction.held_points)).toBe(500);
    await t.drainOutbox();
    const alerts = await t.db.query(`SELECT 1 FROM notifications WHERE user_id = $1 AND type = 'points.purchased'`, [moderator.id]);
    expect(alerts).toHaveLength(1);

    // The profile's new moderator takes the interaction its demoted moderator left, and what it holds.
    const next = await createUser(t.db, 'moderator');
    const assigned = await api(t, admin.token).put(`/profiles/${profile.id}/moderator`).send({ moderator_id: next.id });
    expect(assigned.status).toBe(200);
    expect(assigned.body).toEqual({ moderatorId: next.id, interactionIds: [interaction.id], releasedPoints: 500 });
    expect(await pointsOf(next.id)).toBe(500);
    expect(await pointsOf(moderator.id)).toBe(100);
    expect(await ledgerDrift(t.db)).toEqual([]);
  });

  it("closes a demoted moderator's socket and a deleted user's socket within seconds, and leaves the others open", async () => {
    const { moderator, client } = await createScenario(t.db);
    const gone = await createUser(t.db, 'client');
    const bystander = await createUser(t.db, 'moderator');
    const demotedSocket = await connect(t, moderator);
    const goneSocket = await connect(t, gone);
    const clientSocket = await connect(t, client);
    const bystanderSocket = await connect(t, bystander);

    await t.db.query(`UPDATE users SET role = 'client' WHERE id = $1`, [moderator.id]);
    await t.db.query(`DELETE FROM users WHERE id = $1`, [gone.id]);

    const started = Date.now();
    await expect(demotedSocket.disconnected(USER_RECHECK_MS + 2000)).resolves.toBe('io server disconnect');
    await expect(goneSocket.disconnected(USER_RECHECK_MS + 2000)).resolves.toBe('io server disconnect');
    expect(Date.now() - started).toBeLessThan(USER_RECHECK_MS + 2000);
    await sleep(200);
    expect([clientSocket.socket.connected, bystanderSocket.socket.connected]).toEqual([true, true]);
  }, 20_000);
});
