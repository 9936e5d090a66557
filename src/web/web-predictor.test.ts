/**
 * The web entry's loading and predictor in Node, over HTTP from a local server: `loadClassifier(url)` reads an
 * exported folder, the predictor equals Node's `createPredictor` on the checkpoint, and the Web Worker protocol
 * (`createPredictor(url, { worker })` + `servePredictor`) works through a stand-in worker pair. The real browser and
 * worker are covered by test/browser.
 */
import { mkdtempSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '../../test/helpers.js';
import { serveStatic } from '../../test/browser/static-server.js';
import { makeTinyCheckpoint, nodePredictions, tinyTexts } from '../../test/tiny-checkpoint.js';
import { useBackend } from '../backend/use-backend.js';
import { TfdistillError } from '../errors.js';
import type { Prediction } from '../serve/predictor-core.js';
import { exportWeb } from './export-web.js';
import { loadClassifier } from './load-classifier.js';
import { useWebBackend } from './web-backend.js';
import { createPredictor, servePredictor } from './web-predictor.js';

const root = mkdtempSync(path.join(tmpdir(), 'tfd-web-predictor-'));
const texts = tinyTexts.map((t) => t.text);
let site: { url: string; server: Server };
let node: Prediction[];

beforeAll(async () => {
  await useBackend('wasm');
  (await makeTinyCheckpoint(path.join(root, 'student'), { seed: 4 })).model.dispose();
  node = await nodePredictions(path.join(root, 'student'), texts);
  await exportWeb(path.join(root, 'student'), path.join(root, 'site', 'model'));
  await exportWeb(path.join(root, 'student'), path.join(root, 'site', 'no-labels'));
  await rm(path.join(root, 'site', 'no-labels', 'labels.json'));
  await exportWeb(path.join(root, 'student'), path.join(root, 'site', 'bad-labels'));
  await writeFile(path.join(root, 'site', 'bad-labels', 'labels.json'), '["only-one"]');
  await exportWeb(path.join(root, 'student'), path.join(root, 'site', 'null-config'));
  await writeFile(path.join(root, 'site', 'null-config', 'web-config.json'), 'null');
  site = await serveStatic(path.join(root, 'site'));
});
afterAll(() => site.server.close());

const expectSame = (got: Prediction[]) =>
  got.forEach((p, i) => {
    expect(p.label).toBe(node[i].label);
    for (const label of ['ham', 'spam']) expect(Math.abs(p.probabilities[label] - node[i].probabilities[label])).toBeLessThan(1e-5);
  });

/** A Worker and its worker-side scope joined in one thread: messages are structured-cloned, as postMessage does. */
function workerPair(): { worker: Worker; terminated: () => boolean } {
  let terminated = false;
  const scope: Parameters<typeof servePredictor>[0] = {
    onmessage: null,
    postMessage: (data: unknown) => queueMicrotask(() => worker.onmessage?.({ data: structuredClone(data) } as MessageEvent)),
  };
  const worker = {
    onmessage: null as ((e: MessageEvent) => void) | null,
    onerror: null,
    postMessage: (data: unknown) => queueMicrotask(() => scope.onmessage?.({ data: structuredClone(data) } as MessageEvent)),
    terminate: () => {
      terminated = true;
    },
  };
  servePredictor(scope);
  return { worker: worker as unknown as Worker, terminated: () => terminated };
}

describe('tfdistill/web in Node', () => {
  it('loadClassifier(url) loads an exported folder and its predictor predicts what Node predicts', async () => {
    await expectNoLeaks(async () => {
      const classifier = await loadClassifier(`${site.url}model`, { backend: false }); // no trailing slash needed
      expect(classifier.labels).toEqual(['ham', 'spam']);
      expect(classifier.backend).toEqual({ name: 'wasm' });
      const predictor = await createPredictor(classifier, { topK: 1 });
      expectSame(await Promise.all(texts.map((t) => predictor.predict(t))));
      await predictor.close();
      classifier.dispose(); // the predictor did not own it
    });
  });

  it('runs the model behind the worker protocol: predictions, an error with its code, close() ends the worker', async () => {
    await expectNoLeaks(async () => {
      const { worker, terminated } = workerPair();
      const predictor = await createPredictor(`${site.url}model/`, { worker, backend: false, maxWaitMs: 1 });
      expect(predictor.labels).toEqual(['ham', 'spam']);
      expectSame(await Promise.all(texts.map((t) => predictor.predict(t))));
      expect(predictor.stats().items).toBe(texts.length);
      const empty = await predictor.predict('  ').catch((e: unknown) => e);
      expect(empty).toBeInstanceOf(TfdistillError);
      expect((empty as TfdistillError).code).toBe('DATA_INVALID');
      await predictor.close();
      expect(terminated()).toBe(true);
    });
  });

  it('fails with the file and the code: a missing labels.json, labels that do not fit, a null web-config.json, a worker given a loaded model', async () => {
    await expectNoLeaks(async () => {
      await expect(loadClassifier(`${site.url}no-labels/`, { backend: false })).rejects.toMatchObject({
        code: 'IO_ERROR',
        message: 'cannot load labels.json: HTTP 404',
      });
      await expect(loadClassifier(`${site.url}bad-labels/`, { backend: false })).rejects.toMatchObject({ code: 'CHECKPOINT_INVALID' });
      await expect(loadClassifier(`${site.url}null-config/`, { backend: false })).rejects.toMatchObject({ code: 'CHECKPOINT_INVALID' });
      const { worker, terminated } = workerPair();
      await expect(createPredictor(`${site.url}no-labels/`, { worker, backend: false })).rejects.toMatchObject({ code: 'IO_ERROR' });
      expect(terminated()).toBe(true); // a worker that could not open is ended
      const classifier = await loadClassifier(`${site.url}model/`, { backend: false });
      await expect(createPredictor(classifier, { worker })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      classifier.dispose();
    });
  });

  it('useWebBackend rejects a backend name it does not know', async () => {
    await expect(useWebBackend({ backends: ['gpu' as never] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
