import { MemorySocketQuota } from './socket-quota';

describe(MemorySocketQuota.name, () => {
  it("refuses a user's socket beyond the limit, counts users apart, and frees a place when a socket is released", async () => {
    const sut = new MemorySocketQuota(2);
    expect(await sut.acquire('1', 'a')).toBe(true);
    expect(await sut.acquire('1', 'b')).toBe(true);
    expect(await sut.acquire('1', 'c')).toBe(false);
    expect(await sut.acquire('2', 'd')).toBe(true);

    await sut.release('a');
    await sut.release('a');
    await sut.release('never-counted');
    expect(await sut.acquire('1', 'c')).toBe(true);
    expect(await sut.acquire('1', 'e')).toBe(false);
  });
});
