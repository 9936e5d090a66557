import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { expectTfdistillError, tempFile } from '../../../test/fixtures/data/helpers.js';
import { readTextChunks } from './text-stream.js';

async function readAll(path: string, chunkSize?: number): Promise<string> {
  let text = '';
  for await (const chunk of readTextChunks(path, { chunkSize })) text += chunk;
  return text;
}

describe('readTextChunks', () => {
  it('reassembles multi-byte characters split across chunk boundaries', async () => {
    const text = 'a,b\né☕😀 naïve — 中文\n'.repeat(20);
    const path = tempFile('multibyte.csv', Buffer.from(text, 'utf8'));
    // Chunk sizes 1..5 split 2-, 3- and 4-byte sequences at every possible offset.
    for (const chunkSize of [1, 2, 3, 4, 5]) expect(await readAll(path, chunkSize)).toBe(text);
  });

  it('rejects invalid UTF-8, also when the bad sequence straddles a chunk boundary', async () => {
    const good = Buffer.from('text,label\nok,1\n');
    const latin1 = tempFile('latin1.csv', Buffer.concat([good, Buffer.from('caf\xe9,1\n', 'latin1')]));
    const e = await expectTfdistillError(readAll(latin1), 'DATA_INVALID');
    expect(e.message).toMatch(/not valid UTF-8/);
    // 0xE2 starts a 3-byte sequence; the next chunk begins with a non-continuation byte.
    const straddle = tempFile('straddle.csv', Buffer.concat([Buffer.from('ab'), Buffer.from([0xe2]), Buffer.from('A\n')]));
    await expectTfdistillError(readAll(straddle, 3), 'DATA_INVALID');
    const truncated = tempFile('truncated.csv', Buffer.concat([Buffer.from('text\nab'), Buffer.from([0xe2, 0x98])]));
    expect((await expectTfdistillError(readAll(truncated, 4), 'DATA_INVALID')).message).toMatch(/end of the file/);
  });

  it('rejects a binary file by a NUL byte in the first 8 KiB only', async () => {
    const binary = tempFile('binary.csv', Buffer.from([0x74, 0x65, 0x78, 0x74, 0x00, 0x01, 0x02]));
    expect((await expectTfdistillError(readAll(binary), 'DATA_INVALID')).message).toMatch(/binary/);
    const late = Buffer.concat([Buffer.alloc(8200, 'a'), Buffer.from([0])]);
    expect((await readAll(tempFile('late-nul.csv', late), 1000)).length).toBe(8201);
    // The sniff window is counted across chunks, not per chunk.
    const second = Buffer.concat([Buffer.alloc(100, 'a'), Buffer.from([0])]);
    await expectTfdistillError(readAll(tempFile('nul-second-chunk.csv', second), 64), 'DATA_INVALID');
  });

  it('reports empty, BOM-only, missing and directory paths clearly', async () => {
    for (const [name, content] of [
      ['empty.csv', ''],
      ['bom-only.csv', '\ufeff  \r\n\n'],
    ] as const) {
      const e = await expectTfdistillError(readAll(tempFile(name, content)), 'DATA_INVALID');
      expect(e.message).toMatch(/is empty/);
    }
    const missing = await expectTfdistillError(readAll('/no/such/dir/train.csv'), 'DATA_INVALID');
    expect(missing.message).toBe('no such file: /no/such/dir/train.csv');
    await expectTfdistillError(readAll('/tmp'), 'DATA_INVALID');
  });

  it('drops the BOM and normalises CRLF and lone CR, even with CR and LF in different chunks', async () => {
    const path = tempFile('crlf.csv', '\ufeffa\r\nb\rc\r\n\r\nd');
    for (const chunkSize of [1, 2, 64]) expect(await readAll(path, chunkSize)).toBe('a\nb\nc\n\nd');
  });

  it('decompresses .gz transparently and rejects a corrupt gzip file', async () => {
    const text = 'text,label\nhello,1\n';
    expect(await readAll(tempFile('ok.csv.gz', gzipSync(text)))).toBe(text);
    const corrupt = gzipSync(text).subarray(0, 15);
    expect((await expectTfdistillError(readAll(tempFile('bad.csv.gz', corrupt)), 'DATA_INVALID')).message).toMatch(/gzip/);
  });
});
