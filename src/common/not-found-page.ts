import { createHash } from 'node:crypto';
import accepts from 'accepts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mergeVary } from './vary';

const STYLE = 'body{margin:0;font:16px/1.5 system-ui,sans-serif;background:#f4f5f9;color:#1b1d2e}main{max-width:32rem;margin:3rem auto;padding:0 1.5rem}h1{font-size:1.6rem}';

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Page not found · Profile Points</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>Page not found</h1>
<p>There is no page at this address.</p>
<p><a href="/">Home</a> · <a href="/docs">API docs</a></p>
</main>
</body>
</html>
`;

/** Its one inline style, by hash; no script, no framing. */
const PAGE_CSP = [
  `default-src 'none'`,
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  `base-uri 'none'`,
  `form-action 'none'`,
  `frame-ancestors 'none'`,
].join('; ');

/**
 * A person's browser opening an address no route serves: a GET without a bearer token that prefers
 * HTML to JSON. It gets a small page instead of the JSON error, which programs still get.
 */
export function isBrowserNavigation(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  return request.headers.authorization === undefined && accepts(request.raw).type(['json', 'html']) === 'html';
}

export function sendNotFoundPage(reply: FastifyReply): void {
  reply.header('vary', mergeVary(String(reply.getHeader('vary') ?? ''), 'Accept, Authorization'));
  reply.header('content-security-policy', PAGE_CSP);
  reply.status(404).type('text/html; charset=utf-8').send(PAGE);
}
