import { clientIp } from './handshake-limit';

describe(clientIp.name, () => {
  it.each([
    ['no proxy trusted: the peer, whatever the header says', '10.0.0.5', '203.0.113.9', 0, '10.0.0.5'],
    ['one proxy: the address it saw', '10.0.0.5', '203.0.113.9', 1, '203.0.113.9'],
    ['one proxy: a client-forged entry further left is ignored', '10.0.0.5', '1.2.3.4, 203.0.113.9', 1, '203.0.113.9'],
    ['two proxies', '10.0.0.5', '1.2.3.4, 203.0.113.9, 10.0.0.9', 2, '203.0.113.9'],
    ['more hops trusted than the header has: the furthest entry', '10.0.0.5', '203.0.113.9', 3, '203.0.113.9'],
    ['a trusted proxy that sent no header: the peer', '10.0.0.5', undefined, 1, '10.0.0.5'],
    ['an IPv4-mapped IPv6 peer', '::ffff:127.0.0.1', undefined, 0, '127.0.0.1'],
    ['a repeated header', '10.0.0.5', ['1.2.3.4', '203.0.113.9'], 1, '203.0.113.9'],
  ])('%s', (_label, peer, header, hops, expected) => {
    expect(clientIp(peer, header, hops)).toBe(expected);
  });

  it('keeps keys short whatever the header holds', () => {
    expect(clientIp('10.0.0.5', 'x'.repeat(10_000), 1)).toHaveLength(64);
  });
});
