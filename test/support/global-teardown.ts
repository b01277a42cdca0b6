import { Client } from 'pg';

export default async function globalTeardown(): Promise<void> {
  const serverUrl = process.env.TEST_SERVER_URL;
  const name = process.env.TEST_DATABASE_NAME;
  if (serverUrl && name && !process.env.KEEP_TEST_DATABASE) {
    const admin = new Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
  await (globalThis as { __embeddedDatabase__?: { stop(): Promise<void> } }).__embeddedDatabase__?.stop();
}
