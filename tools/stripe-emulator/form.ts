export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

export class FormParseError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
    this.name = 'FormParseError';
  }
}

const KEY_PATTERN = /^([^[\]]+)((?:\[[^[\]]*\])*)$/;
const INDEX_PATTERN = /^(0|[1-9]\d*)$/;

/**
 * Parses Stripe's bracket notation (`line_items[0][price_data][currency]=eur`, `types[]=card`)
 * into nested objects; a level whose keys are exactly 0..n-1 becomes an array.
 */
export function parseForm(body: string): FormObject {
  const root = emptyObject();
  for (const [key, value] of new URLSearchParams(body)) {
    assign(root, splitKey(key), value, key);
  }
  return normalizeObject(root);
}

function splitKey(key: string): string[] {
  const match = KEY_PATTERN.exec(key);
  if (!match) throw new FormParseError(key, `Invalid parameter name: ${key}`);
  const [, head, brackets] = match;
  return brackets === '' ? [head] : [head, ...brackets.slice(1, -1).split('][')];
}

function assign(root: FormObject, path: string[], value: string, key: string): void {
  let node = root;
  for (const segment of path.slice(0, -1)) {
    const name = segmentName(node, segment);
    const existing = node[name];
    if (existing === undefined) {
      const child = emptyObject();
      node[name] = child;
      node = child;
    } else if (isFormObject(existing)) {
      node = existing;
    } else {
      throw new FormParseError(key, `Conflicting parameter: ${key}`);
    }
  }
  const last = segmentName(node, path[path.length - 1]);
  if (node[last] !== undefined) throw new FormParseError(key, `Duplicate or conflicting parameter: ${key}`);
  node[last] = value;
}

function segmentName(node: FormObject, segment: string): string {
  return segment === '' ? String(Object.keys(node).length) : segment;
}

function normalize(value: FormValue): FormValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const isList = keys.length > 0 && keys.every((key) => INDEX_PATTERN.test(key)) && keys.every((_, i) => i in value);
  return isList ? keys.map((_, i) => normalize(value[String(i)])) : normalizeObject(value);
}

function normalizeObject(value: FormObject): FormObject {
  const result = emptyObject();
  for (const [key, child] of Object.entries(value)) result[key] = normalize(child);
  return result;
}

function isFormObject(value: FormValue): value is FormObject {
  return typeof value === 'object' && !Array.isArray(value);
}

/** Null prototype, so a `__proto__[x]` parameter is just a key and cannot reach Object.prototype. */
function emptyObject(): FormObject {
  return Object.create(null) as FormObject;
}
