import { MicroBatcher } from './micro-batcher';

const settle = <R>(values: R[]): Array<PromiseSettledResult<R>> => values.map((value) => ({ status: 'fulfilled', value }));

describe(MicroBatcher.name, () => {
  it('runs a lone item at once, and groups the items that arrive while a batch runs', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batcher = new MicroBatcher<number, number>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await gate;
        return settle(items.map((item) => item * 10));
      },
      { maxBatch: 3, concurrency: 1 },
    );

    const first = batcher.submit(1);
    const rest = [2, 3, 4, 5].map((item) => batcher.submit(item));
    expect(batches).toEqual([[1]]);
    release();
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
  });

  it('runs up to `concurrency` batches at once', async () => {
    let running = 0;
    let most = 0;
    const batcher = new MicroBatcher<number, number>(
      async (items) => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        return settle(items);
      },
      { maxBatch: 2, concurrency: 2 },
    );
    await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.submit(i)));
    expect(most).toBe(2);
  });

  it("fails only the item whose result failed, and every item of a batch that threw", async () => {
    const batcher = new MicroBatcher<number, number>(
      (items) => {
        if (items.includes(99)) return Promise.reject(new Error('batch failed'));
        return Promise.resolve(items.map((item): PromiseSettledResult<number> => (item < 0 ? { status: 'rejected', reason: new Error(`bad ${item}`) } : { status: 'fulfilled', value: item })));
      },
      { maxBatch: 10, concurrency: 1 },
    );
    await expect(batcher.submit(-1)).rejects.toThrow('bad -1');
    await expect(batcher.submit(7)).resolves.toBe(7);
    await expect(batcher.submit(99)).rejects.toThrow('batch failed');
  });

  it('refuses nonsensical options', () => {
    const run = () => Promise.resolve([]);
    expect(() => new MicroBatcher(run, { maxBatch: 0, concurrency: 1 })).toThrow(RangeError);
    expect(() => new MicroBatcher(run, { maxBatch: 1, concurrency: 0 })).toThrow(RangeError);
  });
});
