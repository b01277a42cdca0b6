import { applyDecorators, Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Type as TransformType } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ID_PATTERN } from './ids';

/** Keyset pagination: `cursor` is the id of the last row of the previous page (rows come newest first). */
export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @TransformType(() => Number)
  @Max(100)
  @Min(1)
  @IsInt({ message: 'limit must be an integer between 1 and 100' })
  limit = 20;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page', example: '1234' })
  @IsOptional()
  @Matches(ID_PATTERN, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;
}

export class Page<T> {
  @ApiProperty({ isArray: true })
  items: T[];

  @ApiProperty({ nullable: true, type: String, description: 'Pass as cursor to get the next page; null on the last page' })
  nextCursor: string | null;

  static of<T extends { id: string }>(rows: T[], limit: number): Page<T> {
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? items[items.length - 1].id : null };
  }
}

/** Documents a `Page<model>` response under a named schema. */
export const ApiPageResponse = <M extends Type<unknown>>(model: M, description?: string) =>
  applyDecorators(
    ApiExtraModels(Page, model),
    ApiOkResponse({
      description,
      schema: {
        title: `PageOf${model.name}`,
        allOf: [
          { $ref: getSchemaPath(Page) },
          { properties: { items: { type: 'array', items: { $ref: getSchemaPath(model) } } } },
        ],
      },
    }),
  );
