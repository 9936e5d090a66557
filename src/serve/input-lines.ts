/**
 * Splits a byte or text stream into lines without ever holding more than one line (plus one read chunk) in memory.
 * Each line is decoded on its own with a fatal UTF-8 decoder, so one bad line becomes one error, not a dead stream.
 */

/**
 * One input line: its 1-based number and either its text or why it could not be decoded.
 */
export type InputLine = { line: number; text: string } | { line: number; error: string };

/** Lines longer than this are reported as errors instead of growing the buffer without bound. */
export const MAX_LINE_BYTES = 16 * 2 ** 20;

/**
 * Yields the lines of `input` (strings or bytes, e.g. a `Readable`), without their `\n` or `\r\n`. A final line
 * without a newline is yielded; the empty string after a final newline is not.
 *
 * @example
 * ```ts
 * for await (const l of inputLines(process.stdin)) if ('text' in l) console.log(l.line, l.text);
 * ```
 */
export async function* inputLines(input: AsyncIterable<string | Uint8Array>): AsyncGenerator<InputLine> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const encoder = new TextEncoder();
  let parts: Uint8Array[] = [];
  let partBytes = 0;
  let tooLong = false;
  let line = 0;
  const finish = (tail: Uint8Array): InputLine => {
    line++;
    if (tooLong) {
      tooLong = false;
      parts = [];
      partBytes = 0;
      return { line, error: `line longer than ${MAX_LINE_BYTES} bytes` };
    }
    const bytes = concat([...parts, tail], partBytes + tail.length);
    parts = [];
    partBytes = 0;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    try {
      return { line, text: decoder.decode(bytes.subarray(0, end)) };
    } catch {
      return { line, error: 'line is not valid UTF-8' };
    }
  };
  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    let start = 0;
    for (let nl = bytes.indexOf(0x0a, start); nl >= 0; nl = bytes.indexOf(0x0a, start)) {
      yield finish(bytes.subarray(start, nl));
      start = nl + 1;
    }
    const rest = bytes.subarray(start);
    if (partBytes + rest.length > MAX_LINE_BYTES) {
      tooLong = true;
      parts = [];
      partBytes = 0;
    } else if (!tooLong && rest.length > 0) {
      parts.push(rest.slice());
      partBytes += rest.length;
    }
  }
  if (partBytes > 0 || tooLong) yield finish(new Uint8Array(0));
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
