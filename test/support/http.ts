import request from 'supertest';
import { TestApp } from './test-app';

/** supertest against the running app, optionally as a user. */
export function api(app: TestApp, token?: string) {
  const agent = request(app.url);
  const auth = <T extends { set(name: string, value: string): T }>(req: T) => (token ? req.set('Authorization', `Bearer ${token}`) : req);
  return {
    get: (path: string) => auth(agent.get(path)),
    post: (path: string) => auth(agent.post(path)),
    put: (path: string) => auth(agent.put(path)),
    options: (path: string) => auth(agent.options(path)),
  };
}
