import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { randomInt, randomUUID } from 'node:crypto';
import { type CryptoKey, exportJWK, exportPKCS8, exportSPKI, generateKeyPair, type JWK, SignJWT, UnsecuredJWT } from 'jose';

export type PlatformAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

/** A key pair made by jose, as a platform holds it: the private half signs, the public half is published. */
export interface PlatformKey {
  alg: PlatformAlgorithm;
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** The public half as the JWKS publishes it (with `kid`, `use: sig` and `alg`). */
  jwk: JWK;
}

export async function platformKey(alg: PlatformAlgorithm = 'RS256', kid: string = randomUUID()): Promise<PlatformKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' && { crv: 'Ed25519' }) });
  return { alg, kid, privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, use: 'sig', alg } };
}

/** The private half as a PKCS#8 PEM (what a PHP or Laravel platform reads from a file). */
export function privatePem(key: PlatformKey): Promise<string> {
  return exportPKCS8(key.privateKey);
}

/** The public half as a SPKI PEM: what an attacker has, and tries to use as an HMAC secret. */
export function publicPem(key: PlatformKey): Promise<string> {
  return exportSPKI(key.publicKey);
}

export interface TokenOptions {
  /** The `kid` header: the key's own by default, another one, or null for none. */
  kid?: string | null;
  issuer?: string;
  audience?: string;
  /** Lifetime in seconds from now (600). */
  expiresIn?: number;
}

/** A token signed with the platform's private key, with `iat` and `exp` and the given claims. */
export function platformToken(key: PlatformKey, claims: Record<string, unknown>, options: TokenOptions = {}): Promise<string> {
  const kid = options.kid === undefined ? key.kid : options.kid;
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, ...(kid !== null && { kid }) })
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 600));
  if (options.issuer !== undefined) jwt = jwt.setIssuer(options.issuer);
  if (options.audience !== undefined) jwt = jwt.setAudience(options.audience);
  return jwt.sign(key.privateKey);
}

/** The classic algorithm confusion: an HS256 token whose HMAC key is the platform's public key (its PEM text). */
export async function hs256WithPublicKey(key: PlatformKey, claims: Record<string, unknown>, options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: key.kid }).setIssuedAt(now).setExpirationTime(now + 600);
  if (options.issuer !== undefined) jwt = jwt.setIssuer(options.issuer);
  if (options.audience !== undefined) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(await publicPem(key)));
}

/** An unsigned token (`alg: none`). */
export function unsignedToken(claims: Record<string, unknown>, options: TokenOptions = {}): string {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new UnsecuredJWT(claims).setIssuedAt(now).setExpirationTime(now + 600);
  if (options.issuer !== undefined) jwt = jwt.setIssuer(options.issuer);
  if (options.audience !== undefined) jwt = jwt.setAudience(options.audience);
  return jwt.encode();
}

/** An id the platform could give: far above what the test databases' own sequences hand out. */
export function platformId(): string {
  return String(900_000_000_000_000_000n + BigInt(randomInt(1, 2 ** 47)));
}

/**
 * A real JWKS endpoint over HTTP on 127.0.0.1 (as a platform publishes its keys), whose keys the test
 * changes as it goes (a rotation), and which can answer an error, or not answer, as a platform that
 * is down. Counts the fetches it served.
 */
export class JwksServer {
  fetches = 0;
  private keys: JWK[] = [];
  private failure: number | 'hang' | null = null;
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(keys: PlatformKey[] = []): Promise<JwksServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const self = new JwksServer(server, `http://127.0.0.1:${port}/.well-known/jwks.json`);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => self.answer(request, response));
    self.publish(keys);
    return self;
  }

  /** The keys served from now on (the public halves only). */
  publish(keys: PlatformKey[]): void {
    this.keys = keys.map((key) => key.jwk);
  }

  /** Answer every fetch with this status, or never answer ('hang'); null: serve the keys again. */
  fail(failure: number | 'hang' | null): void {
    this.failure = failure;
  }

  async stop(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(request: IncomingMessage, response: ServerResponse): void {
    if (request.url !== '/.well-known/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    this.fetches++;
    if (this.failure === 'hang') {
      this.hanging.add(response);
      return;
    }
    if (this.failure !== null) {
      response.writeHead(this.failure, { 'content-type': 'text/plain' }).end('down');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.keys }));
  }
}
