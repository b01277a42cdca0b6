import { HttpStatus } from '@nestjs/common';
import { AppError } from '../common/app-error';

export enum HealthErrorCode {
  NotReady = 'NOT_READY',
  ShuttingDown = 'SHUTTING_DOWN',
}

export class HealthError extends AppError {
  readonly status = HttpStatus.SERVICE_UNAVAILABLE;

  private constructor(
    code: HealthErrorCode,
    message: string,
    override readonly retryAfterSeconds?: number,
  ) {
    super(code, message);
  }

  /** A dependency of readiness is down; `failing` names each with its reason. */
  static notReady(failing: string[]): HealthError {
    return new HealthError(HealthErrorCode.NotReady, `Not ready: ${failing.join('; ')}`);
  }

  /** The instance is draining: it finishes what it received and takes nothing new; retry on another one. */
  static shuttingDown(): HealthError {
    return new HealthError(HealthErrorCode.ShuttingDown, 'This instance is shutting down; retry the request', 1);
  }
}
