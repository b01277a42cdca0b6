import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';

/** Anything that runs SQL: the test's own connection, or the manager of a transaction in progress. */
export type Sql = Pick<EntityManager, 'query'>;

/** A client's interaction with a profile run by a moderator, as the points module's tables refer to it. */
export interface TestInteraction {
  clientId: string;
  moderatorId: string;
  profileId: string;
  interactionId: string;
}

/** A moderator, its profile, a client and their interaction, without any points yet. */
export async function createInteraction(db: Sql): Promise<TestInteraction> {
  const clientId = await insertUser(db, 'client');
  const moderatorId = await insertUser(db, 'moderator');
  const [profile] = await db.query<Array<{ id: string }>>(`INSERT INTO profiles (name, moderator_id) VALUES ('Sophie', $1) RETURNING id`, [moderatorId]);
  const [interaction] = await db.query<Array<{ id: string }>>(
    `INSERT INTO profile_client_interactions (client_id, profile_id, moderator_id) VALUES ($1, $2, $3) RETURNING id`,
    [clientId, profile.id, moderatorId],
  );
  return { clientId, moderatorId, profileId: profile.id, interactionId: interaction.id };
}

/** A completed purchase of the interaction's client for its profile; its id. */
export async function createPurchase(db: Sql, interaction: TestInteraction, points = 100, amountCents = 299): Promise<string> {
  const [row] = await db.query<Array<{ id: string }>>(
    `INSERT INTO profile_point_transactions (client_id, profile_id, moderator_id, pack_code, points_amount, amount_cents, currency, status, credited_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'eur', 'completed', now()) RETURNING id`,
    [interaction.clientId, interaction.profileId, interaction.moderatorId, String(points), points, amountCents],
  );
  return row.id;
}

async function insertUser(db: Sql, role: 'client' | 'moderator'): Promise<string> {
  const [row] = await db.query<Array<{ id: string }>>(`INSERT INTO users (email, name, role) VALUES ($1, $2, $3) RETURNING id`, [
    `${role}-${randomUUID()}@test.local`,
    `Test ${role}`,
    role,
  ]);
  return row.id;
}

/**
 * The error `work` fails with, its writes undone back to where it started (a savepoint), so that the
 * transaction goes on. Fails if `work` succeeds.
 */
export async function failureOf(db: Sql, work: () => Promise<unknown>): Promise<unknown> {
  await db.query('SAVEPOINT expected_failure');
  try {
    await work();
  } catch (error) {
    await db.query('ROLLBACK TO SAVEPOINT expected_failure');
    return error;
  }
  await db.query('RELEASE SAVEPOINT expected_failure');
  throw new Error('expected the work to fail, and it succeeded');
}

/** Whether `promise` is still pending after `ms` milliseconds (e.g. waiting for a row lock). */
export async function stillPendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const pending = Symbol('pending');
  const first = await Promise.race([
    promise.then(
      () => null,
      () => null,
    ),
    new Promise((resolve) => setTimeout(() => resolve(pending), ms)),
  ]);
  return first === pending;
}

/** A transaction held open at a chosen point: `reached` once it got there, `finish()` lets it end. */
export function gate(): { reached: Promise<void>; arrive: () => void; finished: Promise<void>; finish: () => void } {
  let arrive!: () => void;
  let finish!: () => void;
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  const finished = new Promise<void>((resolve) => (finish = resolve));
  return { reached, arrive, finished, finish };
}
