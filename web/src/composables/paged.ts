import { computed, ref, shallowRef } from 'vue';
import type { Page } from '../types';

/**
 * A keyset-paginated list: `more()` asks for the page after the last one with its `nextCursor`, until
 * the API answers `nextCursor: null`. New rows never shift pages, unlike offsets.
 */
export function usePaged<T>(load: (cursor?: string) => Promise<Page<T>>) {
  const items = shallowRef<T[]>([]);
  const nextCursor = ref<string | null>(null);
  const loaded = ref(false);
  const loading = ref(false);
  const error = shallowRef<unknown>(null);

  async function fetchPage(cursor: string | undefined, replace: boolean): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      const page = await load(cursor);
      items.value = replace ? page.items : [...items.value, ...page.items];
      nextCursor.value = page.nextCursor;
      loaded.value = true;
    } catch (caught) {
      error.value = caught;
    } finally {
      loading.value = false;
    }
  }

  return {
    items,
    loading,
    error,
    loaded,
    hasMore: computed(() => nextCursor.value !== null),
    /** The first page again (after something changed). */
    reload: () => fetchPage(undefined, true),
    more: () => fetchPage(nextCursor.value ?? undefined, false),
  };
}
