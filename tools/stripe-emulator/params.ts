import { StripeApiError } from './errors';
import { Metadata } from './objects';

type Source = Readonly<Record<string, unknown>>;

const METADATA_LIMITS = { keys: 50, keyLength: 40, valueLength: 500 };

/**
 * Typed access to request parameters, whether they came form-encoded (all strings) or as JSON,
 * with Stripe's error messages and full parameter paths (`line_items[0][quantity]`) in errors.
 */
export class ParamReader {
  constructor(
    private readonly source: Source,
    private readonly prefix = '',
  ) {}

  static of(value: unknown): ParamReader {
    return new ParamReader(isRecord(value) ? value : {});
  }

  path(key: string): string {
    return this.prefix === '' ? key : `${this.prefix}[${key}]`;
  }

  rejectUnknown(allowed: ReadonlySet<string>): void {
    const unknown = Object.keys(this.source).find((key) => !allowed.has(key));
    if (unknown !== undefined) {
      throw StripeApiError.invalid(`Received unknown parameter: ${this.path(unknown)}`, this.path(unknown), 'parameter_unknown');
    }
  }

  /** Stripe treats an empty string as "not given", so does this. */
  string(key: string, maxLength?: number): string | undefined {
    const value = this.value(key);
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') throw this.invalid(key, `Invalid string: ${describe(value)}`);
    if (maxLength !== undefined && value.length > maxLength) {
      throw this.invalid(key, `Invalid ${this.path(key)}: must be at most ${maxLength} characters`);
    }
    return value;
  }

  requiredString(key: string, maxLength?: number): string {
    return this.string(key, maxLength) ?? this.missing(key);
  }

  integer(key: string): number | undefined {
    const value = this.value(key);
    if (value === undefined || value === '') return undefined;
    const parsed = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
    if (typeof parsed !== 'number' || !Number.isSafeInteger(parsed)) {
      throw this.invalid(key, `Invalid integer: ${describe(value)}`, 'parameter_invalid_integer');
    }
    return parsed;
  }

  requiredInteger(key: string): number {
    return this.integer(key) ?? this.missing(key);
  }

  positiveInteger(key: string): number | undefined {
    const value = this.integer(key);
    if (value !== undefined && value <= 0) {
      throw this.invalid(key, `Invalid ${this.path(key)}: must be a positive integer`, 'parameter_invalid_integer');
    }
    return value;
  }

  requiredPositiveInteger(key: string): number {
    return this.positiveInteger(key) ?? this.missing(key);
  }

  boolean(key: string): boolean | undefined {
    const value = this.value(key);
    if (value === undefined || value === '') return undefined;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw this.invalid(key, `Invalid boolean: ${describe(value)}`);
  }

  stringArray(key: string): string[] | undefined {
    const value = this.value(key);
    if (value === undefined || value === '') return undefined;
    if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string' && item !== '')) {
      throw this.invalid(key, `Invalid array of strings: ${this.path(key)}`);
    }
    return value;
  }

  metadata(key: string): Metadata | undefined {
    const value = this.value(key);
    if (value === undefined || value === '') return undefined;
    const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item] as const) : isRecord(value) ? Object.entries(value) : undefined;
    if (entries === undefined) throw this.invalid(key, `Invalid object: ${this.path(key)}`);
    if (entries.length > METADATA_LIMITS.keys) {
      throw this.invalid(key, `Invalid ${this.path(key)}: at most ${METADATA_LIMITS.keys} keys are allowed`);
    }
    const metadata: Metadata = {};
    for (const [name, item] of entries) {
      const param = `${this.path(key)}[${name}]`;
      if (typeof item !== 'string') throw StripeApiError.invalid(`Invalid string: ${describe(item)}`, param);
      if (name.length > METADATA_LIMITS.keyLength) {
        throw StripeApiError.invalid(`Metadata keys can have at most ${METADATA_LIMITS.keyLength} characters: ${name}`, param);
      }
      if (item.length > METADATA_LIMITS.valueLength) {
        throw StripeApiError.invalid(`Metadata values can have at most ${METADATA_LIMITS.valueLength} characters`, param);
      }
      // defineProperty rather than assignment: a key named __proto__ must stay a plain key.
      if (item !== '') Object.defineProperty(metadata, name, { value: item, enumerable: true, writable: true, configurable: true });
    }
    return metadata;
  }

  object(key: string): ParamReader | undefined {
    const value = this.value(key);
    if (value === undefined || value === '') return undefined;
    if (!isRecord(value)) throw this.invalid(key, `Invalid object: ${this.path(key)}`);
    return new ParamReader(value, this.path(key));
  }

  requiredObject(key: string): ParamReader {
    return this.object(key) ?? this.missing(key);
  }

  objectArray(key: string): ParamReader[] | undefined {
    const value = this.value(key);
    if (value === undefined || value === '') return undefined;
    if (!Array.isArray(value)) throw this.invalid(key, `Invalid array: ${this.path(key)}`);
    return value.map((item, index) => {
      const param = `${this.path(key)}[${index}]`;
      if (!isRecord(item)) throw StripeApiError.invalid(`Invalid object: ${param}`, param);
      return new ParamReader(item, param);
    });
  }

  private value(key: string): unknown {
    return Object.hasOwn(this.source, key) && this.source[key] !== null ? this.source[key] : undefined;
  }

  private invalid(key: string, message: string, code?: string): StripeApiError {
    return StripeApiError.invalid(message, this.path(key), code);
  }

  private missing(key: string): never {
    throw StripeApiError.missingParam(this.path(key));
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
}
