import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
// Inside the repository, so the compiled files resolve @tensorflow/* from its node_modules.
const outDir = path.join(root, '.tmp', `compiled-workers-${process.pid}`);
afterAll(() => rm(outDir, { recursive: true, force: true }));

describe('worker threads in the compiled package', () => {
  it('start replica-worker.js and onnx-worker.js from the compiled output (plain node, no tsx): a 2-replica step, an ONNX teacher forward', async () => {
    // A fresh compile of src (what `npm run build` ships in dist/), not whatever dist/ holds now.
    await run(
      process.execPath,
      [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.build.json'), '--outDir', outDir],
      { cwd: root },
    );
    const lib = (f: string) => JSON.stringify(pathToFileURL(path.join(outDir, f)).href);
    const script = `
      const { useBackend } = await import(${lib('backend/use-backend.js')});
      const { createEncoder } = await import(${lib('models/encoder.js')});
      const { ReplicaPool } = await import(${lib('train/parallel/replica-pool.js')});
      await useBackend('wasm');
      const student = createEncoder({ vocabSize: 30, maxLength: 8, numClasses: 2, dModel: 8, numLayers: 1, numHeads: 2, ffnDim: 16, seed: 1 });
      const loss = { temperature: 2, alpha: 0.5, labelSmoothing: 0, intermediate: [], precision: 'float32' };
      const pool = await ReplicaPool.start({ replicas: 2, backend: 'wasm', student, loss, numClasses: 2 });
      const batch = { inputIds: Int32Array.from({ length: 32 }, (_, i) => 1 + (i % 29)), batchSize: 4, seqLength: 8,
        labels: Int32Array.from([0, 1, 1, 0]), indices: Int32Array.from([0, 1, 2, 3]), teacherLogits: new Float32Array(8), numClasses: 2 };
      const [, theirs] = pool.shards(batch);
      const variables = student.trainableWeights.map((w) => w.read());
      const [peer] = await pool.gradients([theirs], { variables, step: 0, seed: 1 });
      await pool.close();
      console.log(JSON.stringify({ grads: peer.grads.filter(Boolean).length, variables: variables.length, total: peer.total }));
    `;
    const file = path.join(outDir, 'smoke.mjs');
    await mkdir(outDir, { recursive: true });
    await writeFile(file, script);
    const { stdout } = await run(process.execPath, [file], { cwd: root });
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(out.variables).toBeGreaterThan(5);
    expect(out.grads).toBe(out.variables);
    expect(Number.isFinite(out.total) && out.total > 0).toBe(true);

    // The ONNX teacher's worker (onnx-worker.js) from the same compiled output.
    const onnx = `
      const { useBackend } = await import(${lib('backend/use-backend.js')});
      const { loadOnnxTeacher } = await import(${lib('models/onnx-teacher.js')});
      const tf = await import('@tensorflow/tfjs');
      await useBackend('wasm');
      const teacher = await loadOnnxTeacher(${JSON.stringify(path.join(root, 'test/fixtures/hf/bert-tiny/model.onnx'))}, { threads: 1 });
      const ids = tf.tensor2d([[2, 50, 60, 3]], undefined, 'int32');
      const { logits } = await teacher.predict(ids);
      console.log(JSON.stringify({ inputs: teacher.inputs.map((i) => i.name), logits: Array.from(await logits.data()) }));
      await teacher.dispose();
    `;
    const onnxFile = path.join(outDir, 'onnx.mjs');
    await writeFile(onnxFile, onnx);
    const onnxOut = JSON.parse((await run(process.execPath, [onnxFile], { cwd: root })).stdout.trim().split('\n').at(-1)!);
    expect(onnxOut.inputs).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
    expect(onnxOut.logits).toHaveLength(2);
  });
});
