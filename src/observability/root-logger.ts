import { type Options, pinoHttp } from 'pino-http';
import pretty from 'pino-pretty';
import { Env, SENSITIVE_ENV } from '../config/env.schema';
import { REDACTED, secretScrubber } from './redact';

/** The application's one pino logger: Nest's logs, the request lines and the request context all write through it. */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');
export type RootLogger = ReturnType<typeof pinoHttp>['logger'];
type Destination = NonNullable<Options['stream']>;

export type LogFormat = 'json' | 'pretty';

/** SPEC §9: json in production, pretty otherwise, unless LOG_FORMAT says. */
export function logFormatOf(env: Env): LogFormat {
  return env.LOG_FORMAT ?? (env.NODE_ENV === 'production' ? 'json' : 'pretty');
}

/**
 * Header fields that carry credentials, wherever a request or response object gets logged. The
 * request lines of this service log no headers at all; this covers anything that logs `req`/`res`.
 */
const REDACTED_PATHS = ['authorization', 'cookie', 'set-cookie', 'stripe-signature', 'x-api-key'].flatMap((header) => [
  `req.headers["${header}"]`,
  `res.headers["${header}"]`,
  `headers["${header}"]`,
]);

/**
 * json: one object per line on stdout, written synchronously (a line logged just before the process
 * exits is not lost), `level` as its name and `time` as an ISO timestamp, for a log store. pretty: the
 * same lines made readable for a terminal. Both pass every line through the secret scrubber.
 */
export function createRootLogger(env: Env, destination?: Destination): RootLogger {
  const json = logFormatOf(env) === 'json';
  const scrub = secretScrubber([...SENSITIVE_ENV].map((name) => env[name] as string | undefined));
  const stream =
    destination ??
    (json
      ? process.stdout
      : pretty({
          sync: true,
          colorize: process.stdout.isTTY,
          translateTime: 'SYS:HH:MM:ss.l',
          // A request line fits on one line: `GET /profile/:profile/points 401 (9.9 ms) [<correlationId>]`.
          ignore: 'pid,hostname,context,correlationId,method,route,status,durationMs,eventType,outcome',
          messageFormat: '{if context}[{context}] {end}{msg}{if durationMs} ({durationMs} ms){end}{if correlationId} [{correlationId}]{end}',
        }));
  return pinoHttp(
    {
      level: env.LOG_LEVEL,
      messageKey: 'msg',
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      ...(json && { formatters: { level: (label: string) => ({ level: label }) } }),
      redact: { paths: REDACTED_PATHS, censor: REDACTED },
      hooks: { streamWrite: scrub },
    },
    stream,
  ).logger;
}
