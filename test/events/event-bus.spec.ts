import { EventEmitter2 } from '@nestjs/event-emitter';
import { Env } from '../../src/config/env.schema';
import { EventBus } from '../../src/events/event-bus';
import { OutboxRelay } from '../../src/events/outbox-relay';
import { OutboxRepository } from '../../src/events/outbox.repository';
import { useOwnerDatabase } from '../support/owner-database';
import { sleep } from '../support/wait';

/** The event bus on a real transaction (rolled back): how transaction events reach their listeners. */
describe(EventBus.name, () => {
  const owner = useOwnerDatabase();
  let emitter: EventEmitter2;
  let bus: EventBus;

  beforeEach(() => {
    emitter = new EventEmitter2();
    const outbox = new OutboxRepository(owner.transactions, owner.db);
    bus = new EventBus(emitter, owner.transactions, new OutboxRelay(outbox, emitter, Object.assign(new Env(), { OUTBOX_RELAY_ENABLED: false })), outbox);
  });

  const erased = { userId: '1', role: 'client' };

  it('runs the listeners of a transaction event one after the other, in the order they were registered', async () => {
    const steps: string[] = [];
    const listener = (name: string, ms: number) => async () => {
      steps.push(`${name} starts`);
      await sleep(ms);
      steps.push(`${name} ends`);
    };
    // A listener's promise is what emitInTransaction awaits.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    emitter.on('users.erased', listener('first', 50));
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    emitter.on('users.erased', listener('second', 0));

    await owner.rolledBack(() => bus.emitInTransaction('users.erased', erased));

    expect(steps).toEqual(['first starts', 'first ends', 'second starts', 'second ends']);
  });

  it('stops at the first listener that fails, and fails the transaction with its error', async () => {
    const ran: string[] = [];
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    emitter.on('users.erased', () => Promise.reject(new Error('first failed')));
    emitter.on('users.erased', () => void ran.push('second'));

    await expect(owner.transactions.run(() => bus.emitInTransaction('users.erased', erased))).rejects.toThrow('first failed');
    expect(ran).toEqual([]);
  });

  it('refuses to emit outside a transaction', async () => {
    await expect(bus.emitInTransaction('users.erased', erased)).rejects.toThrow('event users.erased must be emitted inside a transaction');
  });
});
