import { ConsoleLogger, LogLevel } from '@nestjs/common';

/**
 * What the service logs while the tests run, kept instead of printed (test/support/log-capture.setup.ts
 * makes this the logger of every Nest app built in the test process). A test that passes prints
 * nothing it logged except ERROR lines it did not claim with captureLogs(); a test that fails prints
 * everything, so its failure comes with its logs.
 */
export interface LogLine {
  level: LogLevel;
  context: string;
  message: string;
  /** The line as Nest's console logger prints it, with the stack of an error after it. */
  text: string;
}

export interface CapturedLogs {
  /** The lines logged since captureLogs() was called, up to now. */
  readonly lines: readonly LogLine[];
  /** The messages of the lines at `level` (all levels without one). */
  messages(level?: LogLevel): string[];
}

/** Output of something else the test started (a child process), shown only with a failure. */
export type AttachedOutput = () => string;

interface TestLogs {
  lines: LogLine[];
  /** Set by captureLogs(): the test provokes and checks its own ERROR lines. */
  claimed: boolean;
}

const state = {
  /** Lines logged outside a test (a suite's hooks, background work between tests). */
  outside: { lines: [], claimed: false } as TestLogs,
  current: undefined as TestLogs | undefined,
  attached: new Map<string, AttachedOutput>(),
};

const target = () => state.current ?? state.outside;

export class CapturingLogger extends ConsoleLogger {
  constructor() {
    super({ logLevels: ['error', 'warn'], colors: false });
  }

  protected override printMessages(messages: unknown[], context = '', logLevel: LogLevel = 'log', _stream?: 'stdout' | 'stderr', _stack?: unknown, params?: Record<string, unknown>): void {
    for (const message of messages) {
      const resolved = this.resolveMessage(message);
      const text = this.formatMessage(logLevel, resolved, this.formatPid(process.pid), logLevel.toUpperCase().padStart(7, ' '), this.formatContext(context), '', params);
      const plain = typeof resolved === 'string' ? resolved : this.stringifyMessage(resolved, logLevel);
      target().lines.push({ level: logLevel, context, message: plain, text: text.trimEnd() });
    }
  }

  protected override printStackTrace(stack: string): void {
    const last = target().lines.at(-1);
    if (stack && last) last.text += `\n${stack}`;
  }
}

/**
 * The lines the service logs during the current test, from now on. Calling it says that the test
 * provokes those logs on purpose: its ERROR lines are not printed when it passes, and it should
 * assert the line that proves the behaviour (e.g. the ALERT of a malformed event).
 */
export function captureLogs(): CapturedLogs {
  const logs = state.current;
  if (!logs) throw new Error('captureLogs() is called inside a test (it, beforeEach or afterEach)');
  logs.claimed = true;
  const from = logs.lines.length;
  return {
    get lines() {
      return logs.lines.slice(from);
    },
    messages(level) {
      return logs.lines
        .slice(from)
        .filter((line) => !level || line.level === level)
        .map((line) => line.message);
    },
  };
}

/** Shows `output()` with the logs of a test that fails, until `detach` is called. */
export function attachOutput(label: string, output: AttachedOutput): () => void {
  const key = `${label} #${state.attached.size + 1}`;
  state.attached.set(key, output);
  return () => state.attached.delete(key);
}

/**
 * A figure a test measured, as one line of the run's output: evidence, kept in a green run.
 * (console.log would add its call site under it.)
 */
export function report(line: string): void {
  process.stderr.write(`${line.replaceAll('\n', ' ')}\n`);
}

/** Prints now, past jest's console buffering (which adds a stack location to each line). */
export function printLines(header: string, lines: string[]): void {
  if (lines.length) process.stderr.write(`${header}\n${lines.join('\n')}\n`);
}

const isError = (line: LogLine) => line.level === 'error' || line.level === 'fatal';

/** A line that does not come from Nest's logger (a child process ending unexpectedly), kept like one. */
export function recordLine(level: LogLevel, context: string, message: string): void {
  target().lines.push({ level, context, message, text: `${level.toUpperCase()} [${context}] ${message}` });
}

/** For log-capture.setup.ts and the test environment: a test starts. */
export function testStarted(): void {
  flushOutside();
  state.current = { lines: [], claimed: false };
}

/** For the test environment: a test ended, failed or not. */
export function testDone(name: string, failed: boolean): void {
  const logs = state.current;
  state.current = undefined;
  if (!logs) return;
  if (failed) {
    printLines(`── logs of the failed test "${name}" ──`, logs.lines.map((line) => line.text));
    for (const [label, output] of state.attached) printLines(`── output of ${label} ──`, [output().trimEnd()]);
  } else if (!logs.claimed) {
    printLines(`── unexpected errors logged by "${name}" ──`, logs.lines.filter(isError).map((line) => line.text));
  }
}

/** ERROR lines logged outside any test are unexpected: printed, WARN lines are dropped. */
export function flushOutside(): void {
  const errors = state.outside.lines.filter(isError);
  state.outside.lines = [];
  printLines('── errors logged outside a test ──', errors.map((line) => line.text));
}
