import { HttpStatus } from '@nestjs/common';
import { moduleError } from '../common/app-error';

export enum HealthErrorCode {
  NotReady = 'NOT_READY',
  ShuttingDown = 'SHUTTING_DOWN',
}

export class HealthError extends moduleError<HealthErrorCode>({
  [HealthErrorCode.NotReady]: HttpStatus.SERVICE_UNAVAILABLE,
  [HealthErrorCode.ShuttingDown]: HttpStatus.SERVICE_UNAVAILABLE,
}) {
  /** A dependency of readiness is down; `failing` names each (the reasons are logged, not sent). */
  static notReady(failing: string[]): HealthError {
    return new HealthError(HealthErrorCode.NotReady, `Not ready: ${failing.join(', ')} unavailable`, { retryAfterSeconds: 5 });
  }

  /** The instance is draining: it finishes what it received and takes nothing new; retry on another one. */
  static shuttingDown(): HealthError {
    return new HealthError(HealthErrorCode.ShuttingDown, 'This instance is shutting down; retry the request', { retryAfterSeconds: 1 });
  }
}
