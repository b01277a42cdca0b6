import { HttpStatus } from '@nestjs/common';
import { AppError } from '../common/app-error';

export enum ObservabilityErrorCode {
  Unauthorized = 'UNAUTHORIZED',
}

const STATUS: Record<ObservabilityErrorCode, HttpStatus> = {
  [ObservabilityErrorCode.Unauthorized]: HttpStatus.UNAUTHORIZED,
};

export class ObservabilityError extends AppError {
  get status(): HttpStatus {
    return STATUS[this.code as ObservabilityErrorCode];
  }

  static metricsTokenRequired(): ObservabilityError {
    return new ObservabilityError(ObservabilityErrorCode.Unauthorized, 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
  }
}
