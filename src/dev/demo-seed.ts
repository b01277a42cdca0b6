import { INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { DataSource } from 'typeorm';

const DEMO_USERS = [
  { email: 'client@demo.local', name: 'Demo Client', role: 'client' },
  { email: 'moderator@demo.local', name: 'Demo Moderator', role: 'moderator' },
  { email: 'admin@demo.local', name: 'Demo Admin', role: 'admin' },
] as const;
const DEMO_PROFILE = 'Sophie (demo)';

/** Creates the demo users and profile once, then prints tokens to paste into Swagger UI's Authorize. */
export async function seedDemo(app: INestApplication, baseUrl: string, jwtSecret: string): Promise<void> {
  const db = app.get(DataSource);
  for (const user of DEMO_USERS) {
    await db.query(`INSERT INTO users (email, name, role) VALUES ($1, $2, $3) ON CONFLICT ON CONSTRAINT uq_users_email DO NOTHING`, [
      user.email,
      user.name,
      user.role,
    ]);
  }
  const users = await db.query<Array<{ id: string; email: string; role: string }>>(`SELECT id, email, role FROM users WHERE email = ANY($1) ORDER BY id`, [
    DEMO_USERS.map((user) => user.email),
  ]);
  const moderator = users.find((user) => user.role === 'moderator')!;
  await db.query(
    `INSERT INTO profiles (name, moderator_id) SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM profiles WHERE name = $1)`,
    [DEMO_PROFILE, moderator.id],
  );
  const [profile] = await db.query<Array<{ id: string }>>(`SELECT id FROM profiles WHERE name = $1`, [DEMO_PROFILE]);

  const jwt = new JwtService({ secret: jwtSecret, signOptions: { algorithm: 'HS256', expiresIn: '30d' } });
  const lines = users.map((user) => `  ${user.role.padEnd(10)} ${jwt.sign({ sub: user.id, role: user.role })}`);
  process.stdout.write(
    [
      '',
      '─── Demo ready ──────────────────────────────────────────────────────────────',
      `Swagger UI: ${baseUrl}/docs  (Authorize → paste a token below)`,
      `Demo profile id: ${profile.id}  — as the client: POST /profile-points/checkout {"profile_id": "${profile.id}", "pack": "500"}`,
      'then open the returned url to pay on the emulator\'s checkout page.',
      'Bearer tokens (valid 30 days):',
      ...lines,
      '─────────────────────────────────────────────────────────────────────────────',
      '',
    ].join('\n') + '\n',
  );
}
