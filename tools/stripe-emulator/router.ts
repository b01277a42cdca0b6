import { IncomingHttpHeaders } from 'node:http';
import { ParamReader } from './params';

export interface EmulatorRequest {
  method: string;
  path: string;
  query: ParamReader;
  body: ParamReader;
  rawBody: string;
  headers: IncomingHttpHeaders;
}

export interface JsonReply {
  kind: 'json';
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}
export interface HtmlReply {
  kind: 'html';
  status: number;
  body: string;
  /** Origins, besides the emulator's own, that the page's forms lead to (through their 303 redirects). */
  formTargets: readonly string[];
}
export interface RedirectReply {
  kind: 'redirect';
  location: string;
}
export type Reply = JsonReply | HtmlReply | RedirectReply;

export type RouteParams = Readonly<Record<string, string>>;
export type Handler = (request: EmulatorRequest, params: RouteParams) => Reply | Promise<Reply>;

export const json = (body: unknown, status = 200): JsonReply => ({ kind: 'json', status, body });
export const html = (body: string, status = 200, formTargets: readonly string[] = []): HtmlReply => ({ kind: 'html', status, body, formTargets });
export const redirect = (location: string): RedirectReply => ({ kind: 'redirect', location });

interface Route {
  method: string;
  segments: string[];
  handler: Handler;
}

/** Matches `/v1/checkout/sessions/:id`-style patterns, one segment per `:name`. */
export class Router {
  private readonly routes: Route[] = [];

  on(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, segments: pattern.split('/'), handler });
    return this;
  }

  match(method: string, path: string): { handler: Handler; params: RouteParams } | undefined {
    const segments = path.split('/');
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const params = matchSegments(route.segments, segments);
      if (params !== undefined) return { handler: route.handler, params };
    }
    return undefined;
  }
}

function matchSegments(pattern: string[], actual: string[]): RouteParams | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, expected] of pattern.entries()) {
    const segment = actual[index];
    if (expected.startsWith(':')) {
      const value = safeDecode(segment);
      if (value === undefined || value === '') return undefined;
      params[expected.slice(1)] = value;
    } else if (expected !== segment) {
      return undefined;
    }
  }
  return params;
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
