import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface LayerShare {
  layer: string;
  /** CPU time of the phase spent in the layer, ms. */
  ms: number;
  /** Share of the phase's busy (non-idle) time. */
  share: number;
}

export interface ProfileSummary {
  /** The functions with the most self time. */
  top: string[];
  /** Busy time by layer of the request path, largest first. */
  layers: LayerShare[];
  busyMs: number;
}

/**
 * A V8 CPU profile of this process (the service; the load generator runs in its own) for one phase,
 * written where Chrome DevTools or speedscope can open it. Only when BENCH_PROFILE=1: sampling has a cost.
 */
export async function startProfile(): Promise<(file?: string) => Promise<ProfileSummary>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return async (file) => {
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    session.disconnect();
    if (file) writeFileSync(file, JSON.stringify(profile));
    return { top: summarise(profile, 12), ...layers(profile) };
  };
}

/** The functions with the most self time: enough to see where a phase went without opening the file. */
function summarise(profile: CpuProfile, count: number): string[] {
  const selfTime = new Map<number, number>();
  profile.samples.forEach((id, i) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const time = selfTime.get(node.id) ?? 0;
    total += time;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = url ? `${functionName || '(anonymous)'} ${shorten(url)}:${lineNumber + 1}` : functionName;
    byFunction.set(key, (byFunction.get(key) ?? 0) + time);
  }
  return [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, time]) => `${((100 * time) / total).toFixed(1).padStart(5)}%  ${key}`);
}

/**
 * Layers of the request path, matched on a frame's script. A sample belongs to the innermost frame of
 * its stack that matches one (so the HMAC under Stripe's verifier counts as the signature check, and
 * a stream write under pino as logging); samples with no matching frame are Node's own HTTP, net and
 * timers work.
 */
const LAYERS: Array<[string, RegExp]> = [
  ['logging (pino, pino-http, request log)', /node_modules\/(pino|pino-http|pino-std-serializers|nestjs-pino|sonic-boom|thread-stream|fast-redact|on-exit-leak-free)\/|src\/observability\/(logging|root-logger|redact|http-observer)/],
  ['metrics (prom-client, observers)', /node_modules\/prom-client\/|src\/observability\//],
  ['signature check (stripe)', /node_modules\/stripe\/|src\/payments\/webhook\/stripe-signature/],
  ['guards: JWT verify (jose, passport)', /node_modules\/(jose|jsonwebtoken|jws|jwa|passport|passport-jwt|passport-strategy|@nestjs\/passport|@nestjs\/jwt|ms|semver|lodash\.[a-z]+)\/|src\/auth\/(auth\.guard|jwt\.strategy|token-policy|token-verifier|authenticator|platform-keys|platform-claims)/],
  ['guards: rate limit (throttler, Redis)', /node_modules\/(@nestjs\/throttler|@redis\/[^/]+|redis|cluster-key-slot)\/|src\/rate-limit\//],
  ['pipes and validation (class-validator)', /node_modules\/(class-validator|validator|libphonenumber-js)\/|@nestjs\/common\/pipes\//],
  ['serialization (class-transformer)', /node_modules\/class-transformer\/|@nestjs\/common\/serializer\//],
  ['TypeORM', /node_modules\/typeorm\//],
  ['pg driver', /node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-array|postgres-date|postgres-interval|postgres-bytea|pgpass|buffer-writer|packet-reader)\//],
  [
    'HTTP adapter and routing (Fastify or Express, body parsing, Nest core)',
    /node_modules\/(fastify|@fastify\/[^/]+|find-my-way|light-my-request|avvio|fastq|reusify|fast-json-stringify|fast-querystring|fast-decode-uri-component|fast-uri|secure-json-parse|toad-cache|rfdc|abstract-logging|process-warning|safe-regex2|ret|proxy-addr|forwarded|ipaddr\.js|router|body-parser|raw-body|finalhandler|send|serve-static|on-finished|qs|type-is|content-type|mime-types|iconv-lite|path-to-regexp|helmet|cors|vary|accepts|negotiator|depd|statuses|http-errors|fresh|etag|encodeurl|@nestjs\/(core|common|platform-fastify))\/|src\/common\/(body-limits|request-id|vary|http-exception\.filter|route-label)/,
  ],
  ['application code (src/)', /\/src\//],
];

function layers(profile: CpuProfile): { layers: LayerShare[]; busyMs: number } {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const layerOf = new Map<number, string>();
  const classify = (id: number): string => {
    const known = layerOf.get(id);
    if (known) return known;
    const { functionName, url } = byId.get(id)!.callFrame;
    let layer: string | undefined;
    // Samples taken while the thread waited inside the profiler's own start call are idle time.
    if (functionName === '(idle)' || url === 'node:inspector') layer = 'idle';
    else if (functionName === '(garbage collector)') layer = 'garbage collection';
    else if (functionName === '(program)') layer = 'V8 and native, unattributed';
    else if (url === '' && (functionName === 'parse' || functionName === 'stringify')) layer = `JSON.${functionName}`;
    else layer = LAYERS.find(([, pattern]) => pattern.test(url))?.[0];
    if (!layer) {
      const up = parent.get(id);
      layer = up === undefined ? 'Node core (http, net, streams, timers)' : classify(up);
    }
    layerOf.set(id, layer);
    return layer;
  };
  const time = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const layer = classify(id);
    time.set(layer, (time.get(layer) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  time.delete('idle');
  const busyMs = [...time.values()].reduce((sum, ms) => sum + ms, 0);
  return {
    busyMs,
    layers: [...time]
      .sort((a, b) => b[1] - a[1])
      .map(([layer, ms]) => ({ layer, ms, share: busyMs > 0 ? ms / busyMs : 0 })),
  };
}

/** Lines for the console: each layer's share and its CPU per request (or per credit). */
export function formatLayers(summary: ProfileSummary, units: number, unit: string): string[] {
  return summary.layers.map(
    ({ layer, ms, share }) => `${(100 * share).toFixed(1).padStart(5)}%  ${(ms / units).toFixed(3).padStart(7)} ms/${unit}  ${layer}`,
  );
}

function shorten(url: string): string {
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
  if (dependency) return `${dependency[1]}/${dependency[2].split('/').pop()}`;
  return url.replace(/^file:\/\//, '').replace(/^.*?\/(src|bench)\//, '$1/');
}
