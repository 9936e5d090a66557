import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TfdistillError } from '../errors.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { useBackend } from './use-backend.js';

/** The real importer: the TensorFlow packages are not installed on this machine (nor in CI). */
const realImport = (s: string): Promise<unknown> => import(s);

async function failure(p: Promise<unknown>): Promise<TfdistillError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TfdistillError);
  return e as TfdistillError;
}

describe('useBackend without the TensorFlow packages', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterEach(() => vi.restoreAllMocks());

  it("'auto' chooses wasm and says why each TensorFlow backend was skipped", async () => {
    const info = await useBackend('auto', { importModule: realImport });
    expect(info).toMatchObject({ name: 'wasm', requested: 'auto', gpu: false, wasmSimd: true, tfjsVersion: tf.version.tfjs });
    expect(info.wasmThreads).toBeGreaterThanOrEqual(1);
    expect(info.notes[0]).toBe('tensorflow-gpu skipped: @tensorflow/tfjs-node-gpu is not installed');
    expect(info.notes[1]).toBe('tensorflow skipped: @tensorflow/tfjs-node is not installed');
    expect(info.notes.some((n) => n.includes('UnsortedSegmentSum'))).toBe(true);
    expect(tf.getBackend()).toBe('wasm');
  });

  it("'tensorflow-gpu' fails with BACKEND_UNAVAILABLE naming the package and CUDA/cuDNN, without falling back", async () => {
    await useBackend('cpu');
    const e = await failure(useBackend('tensorflow-gpu', { importModule: realImport }));
    expect(e.code).toBe('BACKEND_UNAVAILABLE');
    expect(e.message).toContain('@tensorflow/tfjs-node-gpu is not installed');
    expect(e.message).toContain('npm install @tensorflow/tfjs-node-gpu@4.22.0');
    expect(e.message).toMatch(/CUDA 11\.2.*cuDNN 8\.1/);
    expect(e.message).toContain('Linux x64');
    expect(tf.getBackend()).toBe('cpu');
  });

  it("'tensorflow' fails with BACKEND_UNAVAILABLE naming @tensorflow/tfjs-node", async () => {
    const e = await failure(useBackend('tensorflow', { importModule: realImport }));
    expect(e.code).toBe('BACKEND_UNAVAILABLE');
    expect(e.message).toContain('npm install @tensorflow/tfjs-node@4.22.0');
    expect(e.message).not.toContain('CUDA');
  });

  it('reports a package that is installed but broken differently from a missing one', async () => {
    const broken = async (): Promise<never> => {
      throw new Error('libtensorflow.so.2: cannot open shared object file\n    at Module._extensions');
    };
    const e = await failure(useBackend('tensorflow', { importModule: broken }));
    expect(e.message).toContain('@tensorflow/tfjs-node failed to load: libtensorflow.so.2: cannot open shared object file.');
  });

  it("rejects a 'tensorflow-gpu' that loads but has no CUDA device", async () => {
    const cpuOnlyTensorflow = async (): Promise<unknown> => {
      if (tf.findBackendFactory('tensorflow') == null) {
        tf.registerBackend('tensorflow', () => tf.findBackendFactory('cpu')() as tf.KernelBackend, 3);
      }
      return {};
    };
    const e = await failure(useBackend('tensorflow-gpu', { importModule: cpuOnlyTensorflow }));
    expect(e.message).toContain('found no usable CUDA GPU');
    expect(e.message).toContain('cuDNN 8.1');
    expect(e.hint).toContain('npm install @tensorflow/tfjs-node-gpu@4.22.0');
    tf.removeBackend('tensorflow');
  });

  it('rejects unknown names with INVALID_ARGUMENT listing the valid ones', async () => {
    const e = await failure(useBackend('webgpu' as never));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain('auto, tensorflow-gpu, tensorflow, wasm, cpu');
  });

  it('is idempotent and cheap when called again', async () => {
    const first = await useBackend('wasm');
    const setBackend = vi.spyOn(tf.engine(), 'setBackend');
    const again = await Promise.all([useBackend('wasm'), useBackend('wasm')]);
    expect(again).toEqual([first, first]);
    expect(setBackend).not.toHaveBeenCalled();
    again[0].notes.push('mutating a copy');
    expect((await useBackend('wasm')).notes).toEqual(first.notes);
  });

  it("'cpu' works and does not print tfjs's Node.js banner", async () => {
    const warn = vi.spyOn(console, 'warn');
    const info = await useBackend('cpu');
    expect(info).toMatchObject({ name: 'cpu', requested: 'cpu', gpu: false });
    await expectNoLeaks(() => tf.tidy(() => tf.ones([2]).add(1)).dispose());
    expect(warn.mock.calls.flat().join(' ')).not.toContain('looks like you are running TensorFlow.js in Node.js');
  });
});
