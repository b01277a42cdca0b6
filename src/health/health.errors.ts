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
  /** A dependency of readiness is down; `failing` names each with its reason. */
  static notReady(failing: string[]): HealthError {
    return new HealthError(HealthErrorCode.NotReady, `Not ready: ${failing.join('; ')}`);
  }

  /** The instance is draining: it finishes what it received and takes nothing new; retry on another one. */
  static shuttingDown(): HealthError {
    return new HealthError(HealthErrorCode.ShuttingDown, 'This instance is shutting down; retry the request', { retryAfterSeconds: 1 });
  }
}
