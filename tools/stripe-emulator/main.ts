import { StripeEmulator } from './stripe-emulator';

/**
 * The Stripe emulator as a process of its own: what the `emulator` profile of docker-compose.yml
 * runs (`node dist/tools/stripe-emulator/main.js`), so the stack can be tried without a Stripe
 * account. Configured by its environment only:
 *
 * | variable | meaning |
 * |---|---|
 * | `STRIPE_WEBHOOK_SECRET` | required, `whsec_…`: signs the webhooks; the service verifies them with the same value |
 * | `EMULATOR_WEBHOOK_URL` | where events are POSTed, e.g. `http://app-emulator:3000/stripe/webhook` |
 * | `EMULATOR_PORT` | listening port (12111) |
 * | `EMULATOR_HOST` | listening address (`0.0.0.0`: a container is reached from outside itself) |
 * | `EMULATOR_PUBLIC_URL` | base of the hosted checkout page as the browser reaches it (`http://localhost:<port>`) |
 *
 * The service uses it with a `sk_test_…` key and `STRIPE_API_BASE_URL` pointing here, outside
 * production only: state lives in memory and no money moves.
 */
const DEFAULT_PORT = 12111;

async function main(): Promise<void> {
  const port = process.env.EMULATOR_PORT ? Number(process.env.EMULATOR_PORT) : DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`EMULATOR_PORT is not a port: ${process.env.EMULATOR_PORT}`);
  const webhookSecret = process.env.STRIPE_WEBHOOK_SECRET ?? '';
  if (!/^whsec_\w+$/.test(webhookSecret)) throw new TypeError('STRIPE_WEBHOOK_SECRET must be set to a whsec_… value (the one the service verifies with)');

  const emulator = await StripeEmulator.start({
    port,
    host: process.env.EMULATOR_HOST || '0.0.0.0',
    webhookSecret,
    webhookUrl: process.env.EMULATOR_WEBHOOK_URL || undefined,
    publicUrl: process.env.EMULATOR_PUBLIC_URL || `http://localhost:${port}`,
  });
  process.stdout.write(`Stripe emulator listening on ${emulator.host}:${emulator.port}; webhooks to ${process.env.EMULATOR_WEBHOOK_URL || '(none yet)'}\n`);

  const stop = (signal: NodeJS.Signals) => {
    process.stdout.write(`${signal}: stopping the Stripe emulator\n`);
    emulator.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`Stripe emulator failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
