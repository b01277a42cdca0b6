import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventBus } from './event-bus';
import { OutboxEvent } from './outbox-event.entity';
import { OutboxQueries } from './outbox.queries';
import { OutboxRelay } from './outbox-relay';
import { OutboxRepository } from './outbox.repository';
import { OutboxRetention } from './outbox-retention.service';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([OutboxEvent])],
  providers: [EventBus, OutboxRelay, OutboxRepository, OutboxQueries, OutboxRetention],
  exports: [EventBus, OutboxRelay, OutboxQueries, OutboxRetention],
})
export class EventsModule {}
