import { mergeVary } from './vary';

describe(mergeVary.name, () => {
  it('keeps every field of both values once, whatever their case', () => {
    expect(mergeVary('Accept, Authorization', 'Origin')).toBe('Accept, Authorization, Origin');
    expect(mergeVary('Accept, origin', 'Origin, Accept-Encoding')).toBe('Accept, origin, Accept-Encoding');
    expect(mergeVary('', 'Origin')).toBe('Origin');
  });
});
