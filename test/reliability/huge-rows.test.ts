/**
 * A data file with one enormous row (no newline, or an unclosed quote) is refused with DATA_INVALID at the row
 * limit instead of being buffered until memory runs out.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRecords } from '../../src/data/readers/read-records.js';
import { MAX_ROW_CHARS } from '../../src/data/readers/jsonl-rows.js';
import { TfdistillError } from '../../src/errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tfdistill-huge-rows-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const huge = 'x'.repeat(MAX_ROW_CHARS + 1024);

describe('rows longer than MAX_ROW_CHARS', () => {
  it.each([
    ['a JSONL file without newlines', 'one-line.jsonl', `{"text": "${huge}`, /one-line\.jsonl line 1 is longer than 33554432 characters/],
    [
      'a CSV record with an unclosed quote',
      'unclosed.csv',
      `text,label\n"${huge}`,
      /unclosed\.csv line 2: Max Record Size: record exceed the maximum number of tolerated bytes of 33554432/,
    ],
  ])('%s is DATA_INVALID', async (_name, file, content, message) => {
    await writeFile(path.join(dir, file), content);
    const e = await loadRecords(path.join(dir, file)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(TfdistillError);
    expect((e as TfdistillError).code).toBe('DATA_INVALID');
    expect((e as TfdistillError).message, (e as Error).message.slice(0, 300)).toMatch(message);
  });
});
