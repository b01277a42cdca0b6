import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createProfile, createUser, tokenFor } from '../factories';
import { api } from '../support/http';
import { createIsolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { platformId } from '../support/jwks';
import { ledgerDrift } from '../support/ledger';
import { buy } from '../support/purchases';
import { startTestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';

const run = promisify(execFile);
const SCRIPT = join(__dirname, '..', '..', 'scripts', 'move-to-platform-ids.sql');

/**
 * scripts/move-to-platform-ids.sql, as docs/integrating.md says to run it (psql, the service stopped),
 * on a database the service numbered itself: purchases, spends, notifications and the ledger, and
 * ids that swap places (the hardest case for unique keys).
 */
describe('Moving a database the service numbered itself to the platform\'s ids', () => {
  let database: IsolatedDatabase;

  beforeAll(async () => {
    database = await createIsolatedDatabase('move_ids');
  });
  afterAll(async () => {
    await database?.drop();
  });

  const psql = (url: string) =>
    run('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-f', SCRIPT], { env: { PATH: process.env.PATH ?? '' } }).then(
      ({ stderr }) => ({ code: 0, stderr }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );

  it('refuses without a complete map, and changes nothing', async () => {
    await createUser(database.db, 'client');
    const before = await database.db.query(`SELECT id FROM users ORDER BY id`);
    expect(await psql(database.url)).toMatchObject({ code: 3, stderr: expect.stringMatching(/create and fill id_map_users/) });
    await database.db.query(`CREATE TABLE id_map_users (old_id bigint PRIMARY KEY, new_id bigint NOT NULL UNIQUE CHECK (new_id > 0))`);
    await database.db.query(`CREATE TABLE id_map_profiles (old_id bigint PRIMARY KEY, new_id bigint NOT NULL UNIQUE CHECK (new_id > 0))`);
    expect(await psql(database.url)).toMatchObject({ code: 3, stderr: expect.stringMatching(/id_map_users must map every user: 1 are missing/) });
    expect(await database.db.query(`SELECT id FROM users ORDER BY id`)).toEqual(before);
  });

  it('moves users, profiles, purchases, spends, lots, notifications and the ledger, which still adds up', async () => {
    const t = await startTestApp({ DATABASE_URL: database.url });
    let ids: { moderator: string; client: string; other: string; profile: string };
    try {
      const moderator = await createUser(database.db, 'moderator');
      const client = await createUser(database.db, 'client');
      const other = await createUser(database.db, 'moderator');
      const profile = await createProfile(database.db, moderator);
      await buy(t, client, profile.id, '500');
      await api(t, client.token).post('/profile-points/spend').send({ profile_id: profile.id, points: 40, reason: 'message', idempotency_key: 'before-move' }).expect(200);
      await t.drainOutbox();
      await waitUntil(async () => (await database.db.query(`SELECT 1 FROM notifications WHERE user_id = $1`, [moderator.id])).length > 0);
      ids = { moderator: moderator.id, client: client.id, other: other.id, profile: profile.id };
    } finally {
      await t.close();
    }

    // The platform's ids: the moderator and the other moderator swap theirs, the rest get new ones.
    const users = await database.db.query<Array<{ id: string }>>(`SELECT id FROM users ORDER BY id`);
    const newId = new Map(users.map((user) => [user.id, platformId()]));
    newId.set(ids.moderator, ids.other);
    newId.set(ids.other, ids.moderator);
    const profiles = await database.db.query<Array<{ id: string }>>(`SELECT id FROM profiles`);
    const newProfileId = new Map(profiles.map((row) => [row.id, platformId()]));
    await database.db.query(`INSERT INTO id_map_users SELECT * FROM unnest($1::bigint[], $2::bigint[])`, [[...newId.keys()], [...newId.values()]]);
    await database.db.query(`INSERT INTO id_map_profiles SELECT * FROM unnest($1::bigint[], $2::bigint[])`, [[...newProfileId.keys()], [...newProfileId.values()]]);
    const foreignKeys = () => database.db.query(`SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE contype = 'f' ORDER BY conname`);
    const keysBefore = await foreignKeys();

    expect(await psql(database.url)).toMatchObject({ code: 0 });

    const moderator = newId.get(ids.moderator)!;
    const client = newId.get(ids.client)!;
    const profile = newProfileId.get(ids.profile)!;
    expect(await database.db.query(`SELECT id, role, points FROM users WHERE id = ANY($1::bigint[]) ORDER BY role`, [[moderator, client]])).toEqual([
      { id: client, role: 'client', points: '0' },
      { id: moderator, role: 'moderator', points: '500' },
    ]);
    expect(await database.db.query(`SELECT client_id, profile_id, moderator_id, points_balance FROM profile_client_interactions`)).toEqual([
      { client_id: client, profile_id: profile, moderator_id: moderator, points_balance: '460' },
    ]);
    expect(await database.db.query(`SELECT client_id, profile_id, moderator_id FROM profile_point_transactions`)).toEqual([{ client_id: client, profile_id: profile, moderator_id: moderator }]);
    expect(await database.db.query(`SELECT moderator_id FROM point_lots`)).toEqual([{ moderator_id: moderator }]);
    expect(await database.db.query(`SELECT client_id, profile_id FROM point_spends`)).toEqual([{ client_id: client, profile_id: profile }]);
    expect(await database.db.query(`SELECT DISTINCT credit_account FROM ledger_transfers WHERE credit_account LIKE 'moderator:%'`)).toEqual([{ credit_account: `moderator:${moderator}` }]);
    const [alert] = await database.db.query<Array<{ user_id: string; payload: Record<string, string> }>>(`SELECT user_id, payload FROM notifications WHERE type = 'points.purchased'`);
    expect(alert).toMatchObject({ user_id: moderator, payload: { clientId: client, moderatorId: moderator, profileId: profile } });
    expect(await foreignKeys()).toEqual(keysBefore);
    expect(await ledgerDrift(database.db)).toEqual([]);
    // The append-only rule is back.
    await expect(database.db.query(`UPDATE ledger_transfers SET points = points WHERE id = (SELECT min(id) FROM ledger_transfers)`)).rejects.toThrow(/append-only/);

    // The service carries on under the new ids.
    const after = await startTestApp({ DATABASE_URL: database.url });
    try {
      const balance = await api(after, tokenFor({ id: client, role: 'client' })).get(`/profile/${profile}/points`);
      expect(balance.body.balance).toEqual({ points: 460, totalPointsReceived: 500, promotionalPoints: 0, frozenPoints: 0, spendable: 460 });
      const earnings = await api(after, tokenFor({ id: moderator, role: 'moderator' })).get('/moderators/me/points');
      expect(earnings.body).toMatchObject({ balance: 500 });
    } finally {
      await after.close();
    }
  }, 60_000);
});
