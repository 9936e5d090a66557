import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { registerFileRouter } from './file-router.js';

// Own file: the router registry and the active backend are process-global.
describe('registerFileRouter under tfjs-node', () => {
  it('does nothing when the active backend is "tensorflow" (tfjs-node brings its own file:// handler)', async () => {
    await useBackend('cpu');
    // Stand-in for tfjs-node: a backend registered under its name (a CPU backend inside).
    const Cpu = tf.backend().constructor as new () => tf.KernelBackend;
    tf.registerBackend('tensorflow', () => new Cpu());
    expect(await tf.setBackend('tensorflow')).toBe(true);
    await expectNoLeaks(() => {
      expect(registerFileRouter()).toBe(false);
      expect(tf.io.getSaveHandlers('file:///tmp/x')).toEqual([]);
      expect(tf.io.getLoadHandlers('file:///tmp/x/model.json')).toEqual([]);
    });
    await useBackend('cpu');
    expect(registerFileRouter()).toBe(true);
    expect(tf.io.getSaveHandlers('file:///tmp/x')).toHaveLength(1);
    tf.removeBackend('tensorflow');
  });
});
