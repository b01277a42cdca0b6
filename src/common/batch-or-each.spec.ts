import { batchOrEach } from './batch-or-each';

describe(batchOrEach.name, () => {
  const doubled = (items: number[]) => Promise.resolve(items.map((item) => item * 2));
  const failsOn = (bad: number) => (items: number[]) =>
    items.includes(bad) ? Promise.reject(new Error(`bad ${bad}`)) : Promise.resolve(items.map((item) => item * 2));

  it('answers the batch when it succeeds, without trying items alone', async () => {
    const alone = jest.fn((item: number) => Promise.resolve(item));
    expect(await batchOrEach([1, 2, 3], doubled, alone, { sequential: false })).toEqual([
      { status: 'fulfilled', value: 2 },
      { status: 'fulfilled', value: 4 },
      { status: 'fulfilled', value: 6 },
    ]);
    expect(alone).not.toHaveBeenCalled();
  });

  it('tries each item alone when the batch fails, so that only the bad one fails, and says why first', async () => {
    const told: Array<[string, number]> = [];
    const results = await batchOrEach([1, 2, 3], failsOn(2), async (item) => (await failsOn(2)([item]))[0], {
      sequential: false,
      onBatchError: (error, size) => told.push([(error as Error).message, size]),
    });
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[0]).toEqual({ status: 'fulfilled', value: 2 });
    expect(told).toEqual([['bad 2', 3]]);
  });

  it('runs a single item alone at once, and the fallback in order when sequential', async () => {
    const together = jest.fn(doubled);
    const order: number[] = [];
    const alone = async (item: number) => {
      await new Promise((resolve) => setTimeout(resolve, 10 - item * 3));
      order.push(item);
      return item;
    };
    expect(await batchOrEach([7], together, (item) => Promise.resolve(item), { sequential: true })).toEqual([{ status: 'fulfilled', value: 7 }]);
    expect(together).not.toHaveBeenCalled();

    await batchOrEach([1, 2, 3], failsOn(1), alone, { sequential: true });
    expect(order).toEqual([1, 2, 3]);
  });
});
