import { Readable } from 'node:stream';
import { BodyTooLarge, NdjsonLine, ndjsonLines } from './ndjson-lines';

/** A byte stream delivering exactly these chunks, as a socket may cut a body. */
function chunks(...parts: Array<string | Buffer>): AsyncIterable<Buffer> {
  return Readable.from(parts.map((part) => (Buffer.isBuffer(part) ? part : Buffer.from(part, 'utf8'))));
}

async function all(body: AsyncIterable<Buffer>, limits = { maxBytes: 1_000_000, maxLineBytes: 100 }): Promise<NdjsonLine[]> {
  const lines: NdjsonLine[] = [];
  for await (const line of ndjsonLines(body, limits)) lines.push(line);
  return lines;
}

describe(ndjsonLines.name, () => {
  it('numbers lines from 1, across chunk boundaries, LF or CRLF, with or without a final newline', async () => {
    expect(await all(chunks('{"a":1}\n{"b"', ':2}\r\n\n', '{"c":3}'))).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 2, text: '{"b":2}' },
      { line: 3, text: '' },
      { line: 4, text: '{"c":3}' },
    ]);
    expect(await all(chunks('x\n'))).toEqual([{ line: 1, text: 'x' }]);
  });

  it('decodes a character split between two chunks', async () => {
    const bytes = Buffer.from('{"name":"Léa"}\n', 'utf8');
    const split = bytes.indexOf(0xc3) + 1;
    expect(await all(chunks(bytes.subarray(0, split), bytes.subarray(split)))).toEqual([{ line: 1, text: '{"name":"Léa"}' }]);
  });

  it('refuses a line that is not UTF-8, and goes on', async () => {
    expect(await all(chunks(Buffer.from([0x7b, 0xff, 0x7d, 0x0a]), 'ok\n'))).toEqual([
      { line: 1, error: expect.stringMatching(/^MALFORMED_UTF8/) as string },
      { line: 2, text: 'ok' },
    ]);
  });

  it('refuses a line over the limit without holding it, whether it ends in its chunk or later', async () => {
    const long = 'x'.repeat(150);
    expect(await all(chunks(`${long}\nshort\n`, long.slice(0, 60), long.slice(60), '\nlast'))).toEqual([
      { line: 1, error: expect.stringMatching(/^LINE_TOO_LONG/) as string },
      { line: 2, text: 'short' },
      { line: 3, error: expect.stringMatching(/^LINE_TOO_LONG/) as string },
      { line: 4, text: 'last' },
    ]);
  });

  it('stops with BodyTooLarge once more than the limit arrived, after the lines before', async () => {
    const seen: NdjsonLine[] = [];
    const reading = (async () => {
      for await (const line of ndjsonLines(chunks('a\nb\n', 'c\nd\n', 'e\n'), { maxBytes: 8, maxLineBytes: 10 })) seen.push(line);
    })();
    await expect(reading).rejects.toBeInstanceOf(BodyTooLarge);
    expect(seen).toEqual([
      { line: 1, text: 'a' },
      { line: 2, text: 'b' },
      { line: 3, text: 'c' },
      { line: 4, text: 'd' },
    ]);
  });
});
