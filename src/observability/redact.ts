/** What a secret is replaced with in a log line. */
export const REDACTED = '[REDACTED]';

/**
 * Credentials recognised by their shape wherever they appear in a line: in a message, an error's
 * text or stack, a field. Header names such as `Authorization` are covered by pino's `redact` paths
 * too, but a credential quoted in an error message has no path.
 */
const CREDENTIAL_SHAPES: ReadonlyArray<[RegExp, string]> = [
  // `Authorization: Bearer <anything>`, also when only the scheme and token were logged.
  [/\b(bearer)\s+[\w.~+/=-]+/gi, `$1 ${REDACTED}`],
  // A JWT (header.payload.signature, base64url; a header always starts with `{"` → eyJ).
  [/\beyJ[\w-]*\.[\w-]*\.[\w-]*/g, REDACTED],
  // A Stripe-Signature value: t=<timestamp>,v1=<hex>[,v0=<hex>…].
  [/\bt=\d+(?:,v\d+=[0-9a-f]+)+/gi, REDACTED],
  // Stripe secret and restricted keys, webhook signing secrets.
  [/\b(?:sk|rk)_(?:test|live)_\w+/g, REDACTED],
  [/\bwhsec_\w+/g, REDACTED],
  // The password of a URL with credentials (postgres://user:password@host, redis://:password@host).
  [/(\/\/[^/\s:@"]*:)[^@\s"/]+@/g, `$1${REDACTED}@`],
];

/**
 * Below this length a configured value is not searched for: replacing a short string everywhere
 * would mangle ordinary words. The shapes above still catch such a value inside a URL or key.
 */
const MIN_SECRET_LENGTH = 8;

/**
 * Returns a function that removes every secret from one serialized log line: the configured secret
 * values (exactly as configured, and as they look inside a JSON string), the passwords of configured
 * URLs, and any credential recognised by its shape. Applied to the final line, so nothing can get
 * around it by being nested, renamed or part of a message.
 */
export function secretScrubber(secrets: Iterable<string | undefined>): (line: string) => string {
  const values = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    for (const variant of [secret, jsonEscaped(secret), urlPassword(secret)]) {
      if (variant && variant.length >= MIN_SECRET_LENGTH) values.add(variant);
    }
  }
  // Longest first, so that a secret containing another is replaced whole.
  const exact =
    values.size > 0
      ? new RegExp(
          [...values]
            .sort((a, b) => b.length - a.length)
            .map(escapeRegExp)
            .join('|'),
          'g',
        )
      : undefined;

  return (line: string): string => {
    let out = exact ? line.replace(exact, REDACTED) : line;
    for (const [shape, replacement] of CREDENTIAL_SHAPES) out = out.replace(shape, replacement);
    return out;
  };
}

function jsonEscaped(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

function urlPassword(value: string): string | undefined {
  if (!/^[a-z][\w+.-]*:\/\//i.test(value)) return undefined;
  try {
    const password = new URL(value).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
