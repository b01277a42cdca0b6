import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { ConfigValidationError, validateEnv } from '../config/env.schema';

const URL = 'https://platform.example.com/webhooks/profile-points';
const secretOf = (bytes: number) => `whsec_${randomBytes(bytes).toString('base64')}`;

function problemsOf(raw: Record<string, string>): string {
  try {
    validateEnv(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as ConfigValidationError).problems.join('\n');
  }
  throw new Error('expected the configuration to be refused');
}

describe('PLATFORM_WEBHOOK_URL and PLATFORM_WEBHOOK_SECRET', () => {
  it('are optional together', () => {
    expect(validateEnv({}).PLATFORM_WEBHOOK_URL).toBeUndefined();
    expect(validateEnv({ PLATFORM_WEBHOOK_URL: '', PLATFORM_WEBHOOK_SECRET: '' }).PLATFORM_WEBHOOK_SECRET).toBeUndefined();
  });

  it('accept a URL with a Standard Webhooks secret that the reference library can sign with', () => {
    const secret = secretOf(32);
    const sut = validateEnv({ PLATFORM_WEBHOOK_URL: URL, PLATFORM_WEBHOOK_SECRET: secret });
    expect(sut).toMatchObject({ PLATFORM_WEBHOOK_URL: URL, PLATFORM_WEBHOOK_SECRET: secret });
    expect(new Webhook(sut.PLATFORM_WEBHOOK_SECRET!).sign('msg_1', new Date(), '{}')).toMatch(/^v1,/);
  });

  it('refuse a URL without its secret, naming the secret', () => {
    expect(problemsOf({ PLATFORM_WEBHOOK_URL: URL })).toMatch(/PLATFORM_WEBHOOK_SECRET is required with PLATFORM_WEBHOOK_URL/);
  });

  it.each([
    ['no prefix', randomBytes(32).toString('base64')],
    ['not base64', 'whsec_this is not base64!!'],
    ['empty key', 'whsec_'],
  ])('refuse a secret with %s, without printing it', (_, secret) => {
    const problems = problemsOf({ PLATFORM_WEBHOOK_URL: URL, PLATFORM_WEBHOOK_SECRET: secret });
    expect(problems).toMatch(/PLATFORM_WEBHOOK_SECRET=\(hidden\): PLATFORM_WEBHOOK_SECRET must be whsec_/);
    if (secret.length > 'whsec_'.length) expect(problems).not.toContain(secret.slice(6, 20));
  });

  it.each([16, 65])('refuse a key of %i bytes', (bytes) => {
    expect(problemsOf({ PLATFORM_WEBHOOK_URL: URL, PLATFORM_WEBHOOK_SECRET: secretOf(bytes) })).toMatch(new RegExp(`its key is ${bytes} bytes; use 24 to 64`));
  });

  it('refuse a URL that is not http(s)', () => {
    expect(problemsOf({ PLATFORM_WEBHOOK_URL: 'ftp://platform.example.com/hook', PLATFORM_WEBHOOK_SECRET: secretOf(32) })).toMatch(
      /PLATFORM_WEBHOOK_URL must be an http\(s\) URL/,
    );
  });
});
