export interface BatchOrEachOptions {
  /**
   * One item after another when the batch failed (notifications: their ids follow the order of the
   * events); otherwise all at once (webhooks: each in its own transaction).
   */
  sequential: boolean;
  /** Told why the batch failed, before the items are tried alone. */
  onBatchError?: (error: unknown, size: number) => void;
}

/**
 * Runs items together, and if that fails, each alone, so that one bad item never fails the others:
 * one settled result per item, in order. A single item is tried alone at once. `together` answers
 * one value per item, in order.
 */
export async function batchOrEach<T, R>(
  items: T[],
  together: (items: T[]) => Promise<R[]>,
  alone: (item: T) => Promise<R>,
  options: BatchOrEachOptions,
): Promise<Array<PromiseSettledResult<R>>> {
  if (items.length > 1) {
    try {
      const values = await together(items);
      return values.map((value) => ({ status: 'fulfilled', value }));
    } catch (error) {
      options.onBatchError?.(error, items.length);
    }
  }
  if (!options.sequential) return Promise.allSettled(items.map((item) => alone(item)));
  const results: Array<PromiseSettledResult<R>> = [];
  for (const item of items) {
    try {
      results.push({ status: 'fulfilled', value: await alone(item) });
    } catch (reason) {
      results.push({ status: 'rejected', reason });
    }
  }
  return results;
}
