/**
 * The warnings Node emitted on the real process while this test file ran, oldest first (kept by
 * log-capture.environment.ts: the test's own `process` does not receive them).
 */
export function processWarnings(): readonly string[] {
  return (globalThis as { __processWarnings__?: string[] }).__processWarnings__ ?? [];
}
