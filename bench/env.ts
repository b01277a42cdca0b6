/**
 * A whole number from the environment variable `name`, `fallback` when it is unset or empty; a value
 * outside [min, max] or not a whole number stops the benchmark with one clear line.
 */
export function intEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer from ${min} to ${max}, not "${raw}"`);
  return value;
}
