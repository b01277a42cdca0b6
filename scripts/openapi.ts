import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';

/**
 * `npm run openapi`: writes the OpenAPI document the production build serves at /docs-json to
 * docs/openapi.json; `npm run openapi:check` fails when the committed copy differs from it.
 *
 * The document is built from a tsc compilation with tsconfig.build.json (what `nest build` runs),
 * never from SWC or ts-node: decorator metadata, and with it the document, depends on the compiler.
 * It compiles into its own directory, so a running `dist/` (or one built with SWC) is left alone.
 * No database is needed: the app is created in preview mode, which registers routes without
 * instantiating providers.
 */
const ROOT = resolve(__dirname, '..');
export const OPENAPI_FILE = join(ROOT, 'docs', 'openapi.json');
const OUT_DIR = join(ROOT, 'node_modules', '.cache', 'openapi-build');

async function main(): Promise<number> {
  const check = process.argv.includes('--check');
  rmSync(OUT_DIR, { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', OUT_DIR], {
    stdio: 'inherit',
  });
  if (tsc.status !== 0) return 1;

  // Production settings with placeholder secrets: only the routes matter here, nothing connects.
  Object.assign(process.env, {
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://openapi@127.0.0.1:1/openapi',
    JWT_SECRET: 'openapi-document-generation-placeholder-secret-0123456789',
    STRIPE_SECRET_KEY: 'sk_test_openapi',
    STRIPE_PUBLISHABLE_KEY: 'pk_test_openapi',
    STRIPE_WEBHOOK_SECRET: 'whsec_openapi',
    APP_URL: 'https://app.example.com',
    LOG_FORMAT: 'json',
  });
  const compiled = (file: string) => pathToFileURL(join(OUT_DIR, 'src', `${file}.js`)).href;
  const { AppModule } = (await import(compiled('app.module'))) as typeof import('../src/app.module');
  const { createOpenApiDocument } = (await import(compiled('common/openapi'))) as typeof import('../src/common/openapi');
  const { errorExamples } = (await import(compiled('openapi-error-examples'))) as typeof import('../src/openapi-error-examples');
  const app = await NestFactory.create(AppModule.forRoot(), new FastifyAdapter(), { preview: true, logger: false, abortOnError: false });
  const text = `${JSON.stringify(createOpenApiDocument(app, errorExamples()), null, 2)}\n`;
  rmSync(OUT_DIR, { recursive: true, force: true });

  const relative = OPENAPI_FILE.slice(ROOT.length + 1);
  if (check) {
    if (!existsSync(OPENAPI_FILE) || readFileSync(OPENAPI_FILE, 'utf8') !== text) {
      console.error(`${relative} is not the document the production build serves: run npm run openapi and commit it`);
      return 1;
    }
    process.stdout.write(`${relative} is the document the production build serves\n`);
    return 0;
  }
  mkdirSync(dirname(OPENAPI_FILE), { recursive: true });
  writeFileSync(OPENAPI_FILE, text);
  process.stdout.write(`wrote ${relative}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
