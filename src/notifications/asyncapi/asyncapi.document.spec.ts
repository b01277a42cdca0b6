import { NOTIFICATION_TYPES, NOTIFICATIONS } from '../notification-events';
import { buildAsyncApiDocument } from './asyncapi.document';

/** Every `$ref` in the document, with where it was found. */
function refs(node: unknown, path = '#'): Array<{ at: string; ref: string }> {
  if (Array.isArray(node)) return node.flatMap((item, i) => refs(item, `${path}/${i}`));
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === '$ref' && typeof value === 'string' ? [{ at: path, ref: value }] : refs(value, `${path}/${key}`),
  );
}

function resolve(document: unknown, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
}

describe(buildAsyncApiDocument.name, () => {
  const limits = { socketsPerUser: 20, handshakesPerMinute: 300, joinTimeoutMs: 10_000, replayLimit: 500, maxMessageBytes: 4096 };
  const sut = buildAsyncApiDocument({ host: 'api.example.com', secure: true }, limits);

  it('is an AsyncAPI 3.0 document whose every $ref resolves', () => {
    expect(sut.asyncapi).toBe('3.0.0');
    const all = refs(sut);
    expect(all.length).toBeGreaterThan(NOTIFICATION_TYPES.length * 3);
    for (const { at, ref } of all) expect({ at, ref, resolved: resolve(sut, ref) !== undefined }).toEqual({ at, ref, resolved: true });
  });

  it('describes every notification type as a message the service sends on /notifications, with its payload and an example', () => {
    const document = sut as unknown as {
      servers: { api: { host: string; protocol: string } };
      operations: Record<string, { action: string; messages: Array<{ $ref: string }> }>;
      components: {
        messages: Record<string, { payload: { $ref: string }; examples: Array<{ payload: Record<string, unknown> }> }>;
      };
    };
    expect(document.servers.api).toMatchObject({ host: 'api.example.com', protocol: 'wss' });
    const sent = Object.values(document.operations).flatMap((operation) => {
      expect(operation.action).toBe('send');
      return operation.messages.map((message) => message.$ref.split('/').pop());
    });
    expect(sent.sort()).toEqual([...NOTIFICATION_TYPES].sort());

    for (const type of NOTIFICATION_TYPES) {
      const message = document.components.messages[type];
      const payload = resolve(sut, message.payload.$ref) as { required: string[]; properties: Record<string, unknown> };
      expect(payload.required).toEqual(['id', ...Object.keys(NOTIFICATIONS[type].schema.properties)]);
      expect(Object.keys(message.examples[0].payload)).toEqual(payload.required);
      expect(Object.values(message.examples[0].payload)).not.toContain(null);
    }
  });

  it('advertises ws:// only for a plain HTTP origin', () => {
    const plain = buildAsyncApiDocument({ host: 'localhost:3000', secure: false }, limits) as unknown as { servers: { api: { protocol: string } } };
    expect(plain.servers.api.protocol).toBe('ws');
  });

  it('tells clients the limits: sockets per user, handshakes per minute, the capped replay and how to read what it left out', () => {
    const document = sut as unknown as {
      info: { description: string };
      components: { schemas: { ConnectError: { properties: { status: { enum: number[] }; error: { enum: string[] } } } } };
    };
    const text = document.info.description;
    expect(text).toContain('at most 20 sockets open per user');
    expect(text).toContain('at most 300 handshakes per minute');
    expect(text).toContain('**newest 500**');
    expect(text).toContain('GET /notifications?cursor=<id of the first replayed notification>');
    expect(text).toContain('over 4096 bytes closes the connection');
    expect(text).toContain('within 10 s of opening');
    expect(text).toContain('at most 600 connections per minute');
    expect(text).toContain('CORS_ORIGINS');
    expect(document.components.schemas.ConnectError.properties.status.enum).toContain(429);
    expect(document.components.schemas.ConnectError.properties.error.enum).toContain('RATE_LIMITED');
  });
});
