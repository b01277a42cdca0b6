/**
 * A startup failure that its message fully explains, with what to do: printed alone, without a stack
 * trace, and the process exits non-zero. Anything else that fails at startup keeps its stack.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Prints an explained startup failure and exits 1; other errors are rethrown to be reported in full. */
export function exitOnStartupError(error: unknown): never {
  if (!(error instanceof StartupError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
