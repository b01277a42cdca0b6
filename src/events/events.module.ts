import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventBus } from './event-bus';
import { OutboxEvent } from './outbox-event.entity';
import { OutboxQueries } from './outbox.queries';
import { OutboxRelay } from './outbox-relay';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([OutboxEvent])],
  providers: [EventBus, OutboxRelay, OutboxQueries],
  exports: [EventBus, OutboxRelay, OutboxQueries],
})
export class EventsModule {}
