import { HttpStatus } from '@nestjs/common';
import { moduleError } from '../common/app-error';

export enum ObservabilityErrorCode {
  Unauthorized = 'UNAUTHORIZED',
}

export class ObservabilityError extends moduleError<ObservabilityErrorCode>({
  [ObservabilityErrorCode.Unauthorized]: HttpStatus.UNAUTHORIZED,
}) {
  static metricsTokenRequired(): ObservabilityError {
    return new ObservabilityError(ObservabilityErrorCode.Unauthorized, 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
  }
}
