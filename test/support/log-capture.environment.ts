import type { Circus } from '@jest/types';
import { TestEnvironment } from 'jest-environment-node';

interface LogCapture {
  testStarted(): void;
  testDone(name: string, failed: boolean): void;
  flushOutside(): void;
}

/**
 * Node's environment that tells test/support/captured-logs.ts when each test starts and whether it
 * failed, which only the test runner knows after the test's afterEach hooks (log-capture.setup.ts
 * gives it the functions through the test's global).
 */
export default class LogCaptureEnvironment extends TestEnvironment {
  /**
   * Node's warnings (a MaxListenersExceededWarning, say) are emitted on the real process, which the
   * test's `process` object does not relay: they are kept in the test's global `__processWarnings__`.
   */
  private readonly warnings: string[] = [];
  private readonly onWarning = (warning: Error) => void this.warnings.push(`${warning.name}: ${warning.message}`);

  override async setup(): Promise<void> {
    await super.setup();
    this.global.__processWarnings__ = this.warnings;
    process.on('warning', this.onWarning);
  }

  override async teardown(): Promise<void> {
    process.off('warning', this.onWarning);
    await super.teardown();
  }

  handleTestEvent(event: Circus.Event): void {
    const capture = this.global.__logCapture__ as LogCapture | undefined;
    if (!capture) return;
    if (event.name === 'test_start') capture.testStarted();
    else if (event.name === 'test_done') capture.testDone(fullName(event.test), event.test.errors.length > 0);
    else if (event.name === 'run_finish') capture.flushOutside();
  }
}

function fullName(test: Circus.TestEntry): string {
  const names: string[] = [test.name];
  for (let block: Circus.DescribeBlock | undefined = test.parent; block && block.name !== 'ROOT_DESCRIBE_BLOCK'; block = block.parent) names.unshift(block.name);
  return names.join(' › ');
}
