import { Injectable } from '@nestjs/common';

/**
 * The time of the platform's webhooks: when a try is made and signed, when the next one is due.
 * One object, so that a test can move the delivery hours ahead without waiting for them.
 */
@Injectable()
export class PlatformClock {
  now(): Date {
    return new Date();
  }
}
