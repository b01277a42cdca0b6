import { applyDecorators, Type } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type as TransformType } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ID_PATTERN } from './ids';

/** Keyset pagination: `cursor` is the id of the last row of the previous page (rows come newest first). */
export class PageQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @TransformType(() => Number)
  @Max(100)
  @Min(1)
  @IsInt({ message: 'limit must be an integer between 1 and 100' })
  limit = 20;

  @ApiPropertyOptional({ type: String, pattern: ID_PATTERN.source, description: 'nextCursor of the previous page', example: '1234' })
  @IsOptional()
  @Matches(ID_PATTERN, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;
}

export class Page<T> {
  items: T[];
  nextCursor: string | null;

  static of<T extends { id: string }>(rows: T[], limit: number): Page<T> {
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? items[items.length - 1].id : null };
  }
}

const pageSchemas = new Map<Type<unknown>, Type<unknown>>();

/**
 * The named schema of `Page<model>`, `<Model>Page` (e.g. TransactionDtoPage): one class per model, so
 * that generated clients get a named type, and `items` is an array of the model (not of arrays, as a
 * generic `items: T[]` reads from decorator metadata).
 */
export function PageOf(model: Type<unknown>): Type<unknown> {
  let schema = pageSchemas.get(model);
  if (!schema) {
    class ModelPage {
      @ApiProperty({ type: () => [model], description: 'Newest first' })
      items: unknown[];

      @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor to get the next page; null on the last page', example: null })
      nextCursor: string | null;
    }
    Object.defineProperty(ModelPage, 'name', { value: `${model.name}Page` });
    schema = ModelPage;
    pageSchemas.set(model, schema);
  }
  return schema;
}

/** Documents a `Page<model>` response under its named schema. */
export const ApiPageResponse = <M extends Type<unknown>>(model: M, description?: string) =>
  applyDecorators(ApiOkResponse({ type: PageOf(model), description }));
