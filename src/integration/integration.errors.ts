import { HttpStatus } from '@nestjs/common';
import { moduleError } from '../common/app-error';

export enum IntegrationErrorCode {
  /** INTEGRATION_TOKEN is not set: the integration routes do not exist (as any unknown path). */
  NotFound = 'NOT_FOUND',
  /** No INTEGRATION_TOKEN, or not one of the configured ones. */
  Unauthorized = 'UNAUTHORIZED',
  /** The import's body is not NDJSON. */
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  /** The import's body is over 1 GB: what was read before is applied, the rest is not. */
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  /** The import's lines stopped arriving. */
  RequestTimeout = 'REQUEST_TIMEOUT',
}

export class IntegrationError extends moduleError<IntegrationErrorCode>({
  [IntegrationErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [IntegrationErrorCode.Unauthorized]: HttpStatus.UNAUTHORIZED,
  [IntegrationErrorCode.UnsupportedMediaType]: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  [IntegrationErrorCode.PayloadTooLarge]: HttpStatus.PAYLOAD_TOO_LARGE,
  [IntegrationErrorCode.RequestTimeout]: HttpStatus.REQUEST_TIMEOUT,
}) {
  static disabled(method: string, path: string): IntegrationError {
    return new IntegrationError(IntegrationErrorCode.NotFound, `Cannot ${method} ${path}`);
  }

  static unauthorized(): IntegrationError {
    return new IntegrationError(IntegrationErrorCode.Unauthorized, "The integration routes need Authorization: Bearer <INTEGRATION_TOKEN> (the platform backend's token)");
  }

  static ndjsonRequired(type: string): IntegrationError {
    return new IntegrationError(IntegrationErrorCode.UnsupportedMediaType, `Send the import as application/x-ndjson, one JSON object a line (got ${type || 'no Content-Type'})`);
  }

  static tooLarge(limitBytes: number, counts: string): IntegrationError {
    return new IntegrationError(IntegrationErrorCode.PayloadTooLarge, `The import is larger than ${limitBytes} bytes; reading stopped there (${counts}): send the rest in another import`);
  }

  static idle(seconds: number, counts: string): IntegrationError {
    return new IntegrationError(IntegrationErrorCode.RequestTimeout, `No line arrived for ${seconds} s; the import stopped there (${counts}): send the rest again`);
  }
}
