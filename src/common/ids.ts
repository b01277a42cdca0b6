/**
 * A database id as text: a positive bigint. At most 18 digits, so every match fits PostgreSQL's
 * bigint (19-digit values can overflow it, which would turn bad input into a 500).
 */
export const ID_PATTERN = /^[1-9]\d{0,17}$/;

export const isId = (value: unknown): value is string => typeof value === 'string' && ID_PATTERN.test(value);
