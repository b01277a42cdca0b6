import { Type } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, type ApiPropertyOptions, getSchemaPath } from '@nestjs/swagger';

/**
 * The OpenAPI 3.0 schema that admits null and nothing else, under both readings of `nullable`: a
 * tool that follows the specification adds null to `type` and keeps `enum`, so only null passes;
 * a lenient tool admits null at once. `type` must be there (Ajv refuses `nullable` without it) and
 * never matters (`enum` admits no string): `string` is the one openapi-typescript turns into plain
 * `null` (with `object` it writes `never | null`).
 */
export const NULL_ONLY_SCHEMA = { type: 'string', nullable: true, enum: [null], description: 'null' } as const;

/**
 * A property that holds a `model` object or null: `anyOf: [{$ref: model}, NULL_ONLY_SCHEMA]`.
 * `nullable: true` beside `allOf: [{$ref}]` (what `{ type: Model, nullable: true }` generates) is
 * read by validators that follow the specification (Ajv's `nullable` keyword) as "never null":
 * the referenced object refuses null whatever `nullable` says.
 */
export function ApiNullableObjectProperty(
  model: Type<unknown>,
  options: Omit<ApiPropertyOptions, 'type' | 'nullable' | 'anyOf' | 'oneOf' | 'allOf'> = {},
): PropertyDecorator {
  const property = ApiProperty({ ...options, anyOf: [{ $ref: getSchemaPath(model) }, NULL_ONLY_SCHEMA] } as ApiPropertyOptions);
  return (target, key) => {
    // The model is named only by its $ref now: the class that holds the property declares it.
    ApiExtraModels(model)(target.constructor);
    property(target, key);
  };
}
