import request from 'supertest';
import { assertDocumentedResponse } from './openapi-validator';
import { TestApp } from './test-app';

type Method = 'get' | 'post' | 'put' | 'delete' | 'options';

/**
 * supertest against the running app, optionally as a user. Every answer is checked against the
 * committed OpenAPI document (status, content type, and the JSON body against its schema) before the
 * test sees it: an answer the document does not describe fails the test.
 */
export function api(app: TestApp, token?: string) {
  const agent = request(app.url);
  const call = (method: Method) => (path: string) => {
    const req = agent[method](path);
    if (token) req.set('Authorization', `Bearer ${token}`);
    return checkedAgainstDocument(req, method, path);
  };
  return { get: call('get'), post: call('post'), put: call('put'), delete: call('delete'), options: call('options') };
}

/** Validates the answer when the request is awaited (or `.then`ed), whatever was chained before. */
function checkedAgainstDocument<T extends request.Test>(req: T, method: Method, path: string): T {
  const then = req.then.bind(req);
  req.then = ((onFulfilled, onRejected) =>
    then((response) => {
      assertDocumentedResponse(method, path, response);
      return response;
    }).then(onFulfilled, onRejected)) as T['then'];
  return req;
}

/**
 * `fetch` with the same check as api(), for tests that need fetch itself (a child process's URL,
 * streaming, exact headers). The answer is returned unread.
 */
export async function checkedFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, init);
  const text = await response.clone().text();
  const contentType = response.headers.get('content-type') ?? '';
  let body: unknown = {};
  if (contentType.includes('json') && text) body = JSON.parse(text);
  assertDocumentedResponse(init.method ?? 'GET', url, { status: response.status, headers: { 'content-type': contentType }, body, text });
  return response;
}
