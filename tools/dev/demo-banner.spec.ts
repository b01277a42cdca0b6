import { Role } from '../../src/users/user-role';
import { DemoData, demoBanner } from './demo-seed';

const DATA: DemoData = {
  profile: { id: '1', name: 'Sophie (demo)' },
  users: [{ id: '2', role: Role.Client, name: 'Demo Client', email: 'client@demo.local' }],
};
const TOKENS = { JWT_SECRET: 'a-secret-long-enough-for-the-test-0123456789', JWT_MAX_TTL_SECONDS: 3600, JWT_ISSUER: undefined, JWT_AUDIENCE: undefined };

describe(demoBanner.name, () => {
  it("sends the reader to the emulator's checkout page when the service runs on the emulator", () => {
    const banner = demoBanner('http://localhost:3000', DATA, { ...TOKENS, STRIPE_SECRET_KEY: undefined, STRIPE_API_BASE_URL: undefined });
    expect(banner).toContain("pay on the emulator's checkout page");
  });

  it('names the emulator when STRIPE_API_BASE_URL points the SDK at one, whatever the key', () => {
    const banner = demoBanner('http://localhost:3000', DATA, { ...TOKENS, STRIPE_SECRET_KEY: 'sk_test_local_emulator', STRIPE_API_BASE_URL: 'http://127.0.0.1:12111' });
    expect(banner).toContain("pay on the emulator's checkout page");
  });

  it('does not mention the emulator once a real Stripe key is set', () => {
    const banner = demoBanner('http://localhost:3000', DATA, { ...TOKENS, STRIPE_SECRET_KEY: 'sk_test_51AbCdEf', STRIPE_API_BASE_URL: undefined });
    expect(banner).not.toContain('emulator');
    expect(banner).toContain('pay on Stripe Checkout');
  });
});
