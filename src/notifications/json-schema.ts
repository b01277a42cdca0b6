/**
 * A JSON Schema (the subset OpenAPI 3 and AsyncAPI share) whose shape the compiler checks against a
 * TypeScript type: one property per key of T, no other, and a `type` that matches the key's type.
 * The REST DTOs, the socket event map and the AsyncAPI document are all built from such schemas,
 * so a payload change that is not reflected in the documentation does not compile.
 */
export type PropertySchema<V> = [V] extends [string]
  ? {
      type: 'string';
      format?: 'date-time';
      enum?: V[];
      example?: V;
      description?: string;
    }
  : [V] extends [number]
    ? { type: 'integer'; example?: number; description?: string; minimum?: number }
    : never;

export interface ObjectSchema<T> {
  type: 'object';
  title: string;
  description: string;
  required: string[];
  properties: { [P in keyof T]-?: PropertySchema<T[P]> };
  additionalProperties: false;
}

/** Every property is required: the payloads have no optional fields. */
export function objectSchema<T>(title: string, description: string, properties: NoInfer<ObjectSchema<T>['properties']>): ObjectSchema<T> {
  return { type: 'object', title, description, required: Object.keys(properties), properties, additionalProperties: false };
}

/** Any ObjectSchema, when the payload type does not matter (documents built from all of them). */
export type SomeObjectSchema = Omit<ObjectSchema<unknown>, 'properties'> & { properties: object };

/** The same object with `id` (the notification id) added first: what the socket pushes. */
export function withNotificationId(schema: SomeObjectSchema, title: string): SomeObjectSchema {
  const id: PropertySchema<string> = {
    type: 'string',
    example: '1042',
    description: 'The notification id: increasing, unique. Pass the highest one you received as auth.lastNotificationId.',
  };
  return { ...schema, title, required: ['id', ...schema.required], properties: { id, ...schema.properties } };
}
