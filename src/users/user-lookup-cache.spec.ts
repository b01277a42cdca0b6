import { ExpiringLookupCache } from './user-lookup-cache';

describe(ExpiringLookupCache.name, () => {
  let now: number;
  let loads: string[];
  let found: Map<string, string>;
  let sut: ExpiringLookupCache<string>;
  const load = (id: string) => {
    loads.push(id);
    return Promise.resolve(found.get(id) ?? null);
  };

  beforeEach(() => {
    now = 1_000;
    loads = [];
    found = new Map([
      ['1', 'one'],
      ['2', 'two'],
      ['3', 'three'],
    ]);
    sut = new ExpiringLookupCache<string>(5_000, 2, () => now);
  });

  it('reuses a lookup until its time is up, then reads again', async () => {
    expect(await sut.get('1', load)).toBe('one');
    found.delete('1');
    now += 4_999;
    expect(await sut.get('1', load)).toBe('one');
    now += 1;
    expect(await sut.get('1', load)).toBeNull();
    expect(loads).toEqual(['1', '1']);
  });

  it('shares one lookup between concurrent callers', async () => {
    expect(await Promise.all([sut.get('1', load), sut.get('1', load)])).toEqual(['one', 'one']);
    expect(loads).toEqual(['1']);
  });

  it('never caches a miss or a failure', async () => {
    expect(await sut.get('9', load)).toBeNull();
    found.set('9', 'nine');
    expect(await sut.get('9', load)).toBe('nine');
    await expect(sut.get('8', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await sut.get('8', () => Promise.resolve('eight'))).toBe('eight');
  });

  it('holds at most its bound, dropping the oldest entry', async () => {
    await sut.get('1', load);
    await sut.get('2', load);
    await sut.get('3', load);
    expect(sut.size).toBe(2);
    await sut.get('1', load);
    expect(loads).toEqual(['1', '2', '3', '1']);
  });
});
