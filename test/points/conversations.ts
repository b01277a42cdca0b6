import { DataSource } from 'typeorm';
import { createScenario, TestProfile, TestUser } from '../factories';

/** A client's conversation with a profile, as the points module's tables refer to it. */
export interface TestConversation {
  client: TestUser;
  moderator: TestUser;
  profile: TestProfile;
  interactionId: string;
}

/** A moderator, its profile, a client and their conversation (no points yet). */
export async function createConversation(db: DataSource): Promise<TestConversation> {
  const { client, moderator, profile } = await createScenario(db);
  const [row] = await db.query<Array<{ id: string }>>(
    `INSERT INTO profile_client_interactions (client_id, profile_id, moderator_id) VALUES ($1, $2, $3) RETURNING id`,
    [client.id, profile.id, moderator.id],
  );
  return { client, moderator, profile, interactionId: row.id };
}

/** A completed purchase of the conversation's client for its profile; returns its id. */
export async function createPurchase(db: DataSource, conversation: TestConversation, points = 100, amountCents = 299): Promise<string> {
  const [row] = await db.query<Array<{ id: string }>>(
    `INSERT INTO profile_point_transactions (client_id, profile_id, moderator_id, pack_code, points_amount, amount_cents, currency, status, credited_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'eur', 'completed', now()) RETURNING id`,
    [conversation.client.id, conversation.profile.id, conversation.moderator.id, String(points), points, amountCents],
  );
  return row.id;
}

/** Whether `promise` is still pending after `ms` milliseconds (e.g. waiting for a row lock). */
export async function stillPendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const pending = Symbol('pending');
  const first = await Promise.race([promise.then(() => null, () => null), new Promise((resolve) => setTimeout(() => resolve(pending), ms))]);
  return first === pending;
}
