export type StripeErrorType = 'invalid_request_error' | 'idempotency_error' | 'api_error';

export interface StripeErrorBody {
  error: { type: StripeErrorType; message: string; code?: string; param?: string };
}

/** An error the emulator answers in Stripe's wire format; thrown by the engine and the HTTP layer alike. */
export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: StripeErrorType,
    message: string,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'StripeApiError';
  }

  static invalid(message: string, param?: string, code = 'parameter_invalid'): StripeApiError {
    return new StripeApiError(400, 'invalid_request_error', message, code, param);
  }

  static missingParam(param: string): StripeApiError {
    return new StripeApiError(400, 'invalid_request_error', `Missing required param: ${param}.`, 'parameter_missing', param);
  }

  static noSuch(kind: string, id: string, param = 'id'): StripeApiError {
    return new StripeApiError(404, 'invalid_request_error', `No such ${kind}: '${id}'`, 'resource_missing', param);
  }

  toBody(): StripeErrorBody {
    return {
      error: {
        type: this.type,
        message: this.message,
        ...(this.code === undefined ? {} : { code: this.code }),
        ...(this.param === undefined ? {} : { param: this.param }),
      },
    };
  }
}
