import { ValueTransformer } from 'typeorm';

/**
 * Points and cents are bigint in PostgreSQL (pg returns strings) and plain integers in code.
 * Values beyond Number.MAX_SAFE_INTEGER would be a bug anywhere in this domain: fail loudly.
 */
export const bigintNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => {
    if (value === null || value === undefined) return value;
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed)) throw new RangeError(`bigint ${value} exceeds the safe integer range`);
    return parsed;
  },
};
