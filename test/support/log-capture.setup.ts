import { Logger } from '@nestjs/common';
import { CapturingLogger, flushOutside, testDone, testStarted } from './captured-logs';

// Every Nest app built in this process logs into the capture; an app's `logger: ['error', 'warn']`
// then only sets the levels of this logger.
Logger.overrideLogger(new CapturingLogger());
(globalThis as { __logCapture__?: unknown }).__logCapture__ = { testStarted, testDone, flushOutside };
