import { describe, expect, it } from 'vitest';
import { TfdistillError } from '../errors.js';
import { wasmAbortAsError } from './wasm-abort.js';

describe('wasmAbortAsError', () => {
  it("turns the wasm backend's bare abort into OUT_OF_MEMORY with what to do, and leaves other errors alone", () => {
    const abort = new WebAssembly.RuntimeError('Aborted(). Build with -sASSERTIONS for more info.');
    const e = wasmAbortAsError(abort);
    expect(e).toBeInstanceOf(TfdistillError);
    expect(e).toMatchObject({
      code: 'OUT_OF_MEMORY',
      message: expect.stringContaining('4 GB'),
      hint: expect.stringContaining('batchSize'),
    });
    const other = new WebAssembly.RuntimeError('unreachable');
    expect(wasmAbortAsError(other)).toBe(other);
    const plain = new Error('Aborted()');
    expect(wasmAbortAsError(plain)).toBe(plain);
  });
});
