import { signedAt } from './stripe-signature.guard';

describe(signedAt.name, () => {
  it.each([
    ['t=1764000000,v1=abc', 1_764_000_000],
    ['v1=abc,t=1764000000', 1_764_000_000],
    ['t=1,t=1764000000,v1=abc', 1_764_000_000],
    ['t=1764000000abc,v1=abc', 1_764_000_000],
  ])('reads the timestamp of %s as the Stripe SDK does: %i', (header, expected) => {
    expect(signedAt(header)).toBe(expected);
  });

  it.each(['v1=abc', 't=,v1=abc', 't=soon,v1=abc', 't'])('finds no timestamp in %s', (header) => {
    expect(signedAt(header)).toBeNaN();
  });
});
