import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { classifyPath } from '../../src/web-client/client-pages';

/**
 * Checks answers of the API against the committed OpenAPI document (docs/openapi.json, the one the
 * production build serves: test/e2e/openapi.e2e.spec.ts proves the served one is the same).
 *
 * A JSON answer must have a documented status for its route template and method, and a body that
 * matches that status's schema, with no property the schema does not list: a client generated from
 * the document must be able to read every answer. Other answers (CSV, metrics text) are checked for
 * their documented content type only.
 */

export const OPENAPI_DOCUMENT_PATH = join(__dirname, '..', '..', 'docs', 'openapi.json');
const DOCUMENT_ID = 'openapi.json';
const ERROR_SCHEMA_REF = `${DOCUMENT_ID}#/components/schemas/ApiErrorResponse`;

type Schema = Record<string, unknown>;
interface MediaType {
  schema?: Schema;
}
interface Operation {
  responses: Record<string, { content?: Record<string, MediaType> }>;
}
type PathItem = Record<string, Operation>;
interface OpenApiDocument {
  paths: Record<string, PathItem>;
  components: { schemas: Record<string, Schema> };
}

export interface ObservedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text?: string;
}

interface Route {
  template: string;
  pattern: RegExp;
  item: PathItem;
}

class OpenApiValidator {
  private readonly ajv: Ajv;
  private readonly routes: Route[];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(document: OpenApiDocument) {
    this.ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(this.ajv);
    const schemas = Object.fromEntries(Object.entries(document.components.schemas).map(([name, schema]) => [name, toJsonSchema(schema)]));
    this.ajv.addSchema({ $id: DOCUMENT_ID, components: { schemas } });
    // Literal segments before parameters, so /a/stuck is not read as /a/{id}.
    this.routes = Object.entries(document.paths)
      .map(([template, item]) => ({
        template,
        item,
        pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`),
      }))
      .sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0));
  }

  /** Why `response` to `method url` contradicts the document, or undefined when it does not. */
  problem(method: string, url: string, response: ObservedResponse): string | undefined {
    const path = new URL(url, 'http://service.invalid').pathname;
    const lower = method.toLowerCase();
    const contentType = String(response.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    // CORS preflights are answered for every path by the CORS layer; they are no operation of the API.
    if (lower === 'options') return undefined;
    // Swagger UI and the reference client's pages and files are not part of the API.
    if (path === '/docs' || path.startsWith('/docs/') || path === '/docs-json') {
      if (!this.routes.some((route) => route.pattern.test(path))) return undefined;
    }
    if (classifyPath(path) !== 'other' && contentType !== 'application/json') return undefined;
    // Development-only routes (NODE_ENV=development) are not in the production document.
    if (path.startsWith('/dev/')) return undefined;
    // socket.io's own transport (handshakes, long polling): described by the AsyncAPI document.
    if (path.startsWith('/socket.io/')) return undefined;

    const route = this.routes.find((candidate) => candidate.pattern.test(path));
    const operation = route?.item[lower];
    const where = `${method.toUpperCase()} ${route?.template ?? path}`;
    if (!route || !operation) {
      // A route the service does not have: only the common error body may come back.
      if (response.status >= 400 && contentType === 'application/json') {
        return this.check(ERROR_SCHEMA_REF, response.body, `${where} (no such operation) → ${response.status}`);
      }
      return `${where} → ${response.status}: no such operation in docs/openapi.json`;
    }

    const documented = operation.responses[String(response.status)];
    if (!documented) {
      return `${where} → ${response.status}: status not documented (documented: ${Object.keys(operation.responses).join(', ')}); body: ${preview(response)}`;
    }
    const content = documented.content ?? {};
    if (Object.keys(content).length === 0) {
      return hasBody(response) ? `${where} → ${response.status}: documented without a body, got ${contentType}: ${preview(response)}` : undefined;
    }
    const media = content[contentType];
    if (!media) {
      return `${where} → ${response.status}: content type "${contentType}" not documented (documented: ${Object.keys(content).join(', ')})`;
    }
    if (contentType !== 'application/json' || !media.schema) return undefined;
    return this.check(JSON.stringify(media.schema), response.body, `${where} → ${response.status}`, media.schema);
  }

  private check(key: string, body: unknown, where: string, schema?: Schema): string | undefined {
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(schema ? toJsonSchema(schema) : { $ref: key });
      this.compiled.set(key, validate);
    }
    if (validate(body)) return undefined;
    const errors = (validate.errors ?? [])
      .map((error) => `  ${error.instancePath || '(body)'} ${error.message}${error.params ? ` ${JSON.stringify(error.params)}` : ''}`)
      .join('\n');
    return `${where}: body does not match docs/openapi.json\n${errors}\n  body: ${JSON.stringify(body).slice(0, 2000)}`;
  }
}

/**
 * OpenAPI 3.0 schema objects as JSON Schema for Ajv: `nullable` becomes a union with null, refs
 * point into the registered document, examples are dropped, and an object that lists its
 * properties admits no others (unless it says otherwise with additionalProperties).
 */
function toJsonSchema<T>(value: T): T {
  if (Array.isArray(value)) return value.map((entry) => toJsonSchema(entry)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const schema: Schema = {};
  for (const [key, entry] of Object.entries(value as Schema)) {
    if (key === 'example' || key === 'nullable') continue;
    if (key === '$ref' && typeof entry === 'string' && entry.startsWith('#/')) schema.$ref = `${DOCUMENT_ID}${entry}`;
    else if (key === 'properties' || key === 'additionalProperties' || key === 'items' || key === 'allOf' || key === 'oneOf' || key === 'anyOf') {
      schema[key] = key === 'properties' ? Object.fromEntries(Object.entries(entry as Schema).map(([name, sub]) => [name, toJsonSchema(sub)])) : toJsonSchema(entry);
    } else schema[key] = entry;
  }
  if (schema.properties && schema.additionalProperties === undefined && (schema.type === 'object' || schema.type === undefined)) {
    schema.additionalProperties = false;
  }
  if ((value as Schema).nullable === true) {
    return { anyOf: [schema, { type: 'null' }] } as T;
  }
  return schema as T;
}

function hasBody(response: ObservedResponse): boolean {
  return (response.text ?? '').length > 0;
}

function preview(response: ObservedResponse): string {
  return (response.text ?? JSON.stringify(response.body) ?? '').slice(0, 500);
}

let validator: OpenApiValidator | undefined;

function documentValidator(): OpenApiValidator {
  validator ??= new OpenApiValidator(JSON.parse(readFileSync(OPENAPI_DOCUMENT_PATH, 'utf8')) as OpenApiDocument);
  return validator;
}

/** Throws, with what differs, when `response` to `method url` contradicts docs/openapi.json. */
export function assertDocumentedResponse(method: string, url: string, response: ObservedResponse): void {
  const problem = documentValidator().problem(method, url, response);
  if (problem) {
    const error = new Error(`Answer contradicts the OpenAPI document: ${problem}`);
    error.name = 'OpenApiContractError';
    throw error;
  }
}
