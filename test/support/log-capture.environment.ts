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
