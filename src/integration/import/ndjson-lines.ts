/** One line of an NDJSON body: its number (from 1) and its text, or why it cannot be read. */
export type NdjsonLine = { line: number; text: string } | { line: number; error: string };

export interface NdjsonLimits {
  /** The whole body: reading stops (BodyTooLarge) once more arrived. */
  maxBytes: number;
  /** One line: a longer one is answered as an error and skipped, never held. */
  maxLineBytes: number;
}

/** The body went past `maxBytes`: the lines yielded before it stand, the rest is not read. */
export class BodyTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`more than ${maxBytes} bytes`);
  }
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * The lines of an NDJSON byte stream, as they arrive: only the line in progress is held (at most
 * `maxLineBytes`), so a body of any size is read in constant memory, and the reader's pace is the
 * stream's (a consumer that awaits a database write between lines pauses the socket). Lines end with
 * LF (a CR before it is dropped); the last line may lack it. Text must be UTF-8.
 */
export async function* ndjsonLines(body: AsyncIterable<Buffer | string>, limits: NdjsonLimits): AsyncGenerator<NdjsonLine> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let tooLong = false;
  let total = 0;

  const finish = (end: Buffer): NdjsonLine => {
    const number = line++;
    if (tooLong) {
      tooLong = false;
      return { line: number, error: `LINE_TOO_LONG: a line may hold at most ${limits.maxLineBytes} bytes` };
    }
    let bytes = pending.length === 0 ? end : Buffer.concat([...pending, end]);
    pending = [];
    pendingBytes = 0;
    if (bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN) bytes = bytes.subarray(0, bytes.length - 1);
    try {
      return { line: number, text: decoder.decode(bytes) };
    } catch {
      return { line: number, error: 'MALFORMED_UTF8: the line is not UTF-8 text' };
    }
  };

  const hold = (part: Buffer) => {
    if (tooLong || part.length === 0) return;
    if (pendingBytes + part.length > limits.maxLineBytes) {
      tooLong = true;
      pending = [];
      pendingBytes = 0;
      return;
    }
    // A copy: the stream may reuse its chunk's memory once we yield.
    pending.push(Buffer.from(part));
    pendingBytes += part.length;
  };

  for await (const received of body) {
    const chunk = typeof received === 'string' ? Buffer.from(received, 'utf8') : received;
    total += chunk.length;
    if (total > limits.maxBytes) throw new BodyTooLarge(limits.maxBytes);
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE, start); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      const part = chunk.subarray(start, end);
      start = end + 1;
      if (tooLong) {
        yield finish(Buffer.alloc(0));
        continue;
      }
      if (pendingBytes + part.length > limits.maxLineBytes) {
        tooLong = true;
        yield finish(Buffer.alloc(0));
        continue;
      }
      yield finish(part);
    }
    hold(chunk.subarray(start));
  }
  if (tooLong || pendingBytes > 0) yield finish(Buffer.alloc(0));
}
