import { AdminError } from './admin.errors';
import { DateRangeQuery } from './dto/admin-transactions.dto';

export interface DateRange {
  from: Date | null;
  to: Date | null;
}

const HAS_OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;

/** The validated query's range as instants; a time without an offset is UTC, like a date alone. */
export function parseRange(query: DateRangeQuery): DateRange {
  const from = query.from === undefined ? null : toInstant(query.from);
  const to = query.to === undefined ? null : toInstant(query.to);
  if (from && to && from >= to) throw AdminError.invalidRange(query.from!, query.to!);
  return { from, to };
}

function toInstant(value: string): Date {
  return new Date(value.includes('T') && !HAS_OFFSET.test(value) ? `${value}Z` : value);
}
