/** The union of two `Vary` values, each field once, in order of appearance. */
export function mergeVary(first: string, second: string): string {
  const fields = new Map<string, string>();
  for (const field of `${first},${second}`.split(',')) {
    const name = field.trim();
    if (name !== '' && !fields.has(name.toLowerCase())) fields.set(name.toLowerCase(), name);
  }
  return [...fields.values()].join(', ');
}
