import { randomUUID } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { DataSource } from 'typeorm';
import { TEST_JWT_SECRET } from '../support/test-app';

export type TestRole = 'client' | 'moderator' | 'admin';

export interface TestUser {
  id: string;
  role: TestRole;
  email: string;
  token: string;
}

export interface TestProfile {
  id: string;
  name: string;
  moderatorId: string | null;
}

const jwt = new JwtService({ secret: TEST_JWT_SECRET, signOptions: { algorithm: 'HS256', expiresIn: '1h' } });

export function tokenFor(user: { id: string; role: string }, options: { expiresIn?: number; secret?: string } = {}): string {
  return jwt.sign(
    { sub: user.id, role: user.role },
    { secret: options.secret ?? TEST_JWT_SECRET, ...(options.expiresIn !== undefined && { expiresIn: options.expiresIn }) },
  );
}

export async function createUser(db: DataSource, role: TestRole = 'client'): Promise<TestUser> {
  const email = `${role}-${randomUUID()}@test.local`;
  const [row] = await db.query<Array<{ id: string }>>(`INSERT INTO users (email, name, role) VALUES ($1, $2, $3) RETURNING id`, [
    email,
    `Test ${role}`,
    role,
  ]);
  return { id: row.id, role, email, token: tokenFor({ id: row.id, role }) };
}

export async function createProfile(db: DataSource, moderator: { id: string } | null, name = 'Sophie'): Promise<TestProfile> {
  const [row] = await db.query<Array<{ id: string }>>(`INSERT INTO profiles (name, moderator_id) VALUES ($1, $2) RETURNING id`, [
    name,
    moderator?.id ?? null,
  ]);
  return { id: row.id, name, moderatorId: moderator?.id ?? null };
}

/** A moderator, a profile it runs and a client: the cast of most purchase scenarios. */
export async function createScenario(db: DataSource) {
  const moderator = await createUser(db, 'moderator');
  const profile = await createProfile(db, moderator);
  const client = await createUser(db, 'client');
  return { moderator, profile, client };
}
