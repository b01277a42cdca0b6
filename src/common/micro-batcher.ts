export interface MicroBatcherOptions {
  /** The most items one batch takes. */
  maxBatch: number;
  /** How many batches may run at once. */
  concurrency: number;
}

interface Waiting<T, R> {
  item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Groups items that arrive while earlier batches are running, with no timer: an item that finds a
 * free slot runs at once (a batch of one), and items that arrive meanwhile wait for the next free
 * slot and go together. Under load, batches grow by themselves; when idle, nothing waits. `run`
 * answers one settled result per item, in order, so one item's failure is its own.
 */
export class MicroBatcher<T, R> {
  private readonly waiting: Array<Waiting<T, R>> = [];
  private running = 0;

  constructor(
    private readonly run: (items: T[]) => Promise<Array<PromiseSettledResult<R>>>,
    private readonly options: MicroBatcherOptions,
  ) {
    if (!Number.isSafeInteger(options.maxBatch) || options.maxBatch < 1) throw new RangeError(`maxBatch must be ≥ 1, not ${options.maxBatch}`);
    if (!Number.isSafeInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(`concurrency must be ≥ 1, not ${options.concurrency}`);
    }
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    while (this.running < this.options.concurrency && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.maxBatch);
      this.running++;
      void this.execute(batch).finally(() => {
        this.running--;
        this.next();
      });
    }
  }

  private async execute(batch: Array<Waiting<T, R>>): Promise<void> {
    let results: Array<PromiseSettledResult<R>>;
    try {
      results = await this.run(batch.map((entry) => entry.item));
      if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} answered ${results.length} results`);
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    batch.forEach((entry, i) => {
      const result = results[i];
      if (result.status === 'fulfilled') entry.resolve(result.value);
      else entry.reject(result.reason);
    });
  }
}
