import { HttpStatus } from '@nestjs/common';
import { moduleError } from '../common/app-error';

export enum PlatformWebhooksErrorCode {
  PlatformEventNotFound = 'PLATFORM_EVENT_NOT_FOUND',
  PlatformEventInFlight = 'PLATFORM_EVENT_IN_FLIGHT',
  PlatformWebhookNotConfigured = 'PLATFORM_WEBHOOK_NOT_CONFIGURED',
}

export class PlatformWebhooksError extends moduleError<PlatformWebhooksErrorCode>({
  [PlatformWebhooksErrorCode.PlatformEventNotFound]: HttpStatus.NOT_FOUND,
  [PlatformWebhooksErrorCode.PlatformEventInFlight]: HttpStatus.CONFLICT,
  [PlatformWebhooksErrorCode.PlatformWebhookNotConfigured]: HttpStatus.CONFLICT,
}) {
  static notFound(id: string): PlatformWebhooksError {
    return new PlatformWebhooksError(PlatformWebhooksErrorCode.PlatformEventNotFound, `No platform event has id ${id}`);
  }

  static inFlight(id: string): PlatformWebhooksError {
    return new PlatformWebhooksError(
      PlatformWebhooksErrorCode.PlatformEventInFlight,
      `Platform event ${id} is being sent right now; look at its tries in a moment`,
    );
  }

  static notConfigured(): PlatformWebhooksError {
    return new PlatformWebhooksError(
      PlatformWebhooksErrorCode.PlatformWebhookNotConfigured,
      'PLATFORM_WEBHOOK_URL is not set on this instance: there is nowhere to send the event',
    );
  }
}
