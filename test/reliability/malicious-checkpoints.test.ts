/**
 * Checkpoints as untrusted input: crafted malicious checkpoints, each refused with its reason. Complements
 * src/io/load-model.test.ts (which covers `..` and absolute shard paths, a symlinked shard escaping the directory,
 * shard sizes vs manifest, the total-size cap, huge manifest shapes, unknown dtypes, oversize JSON files) with the
 * attacks that go through the topology, the tokenizer and the weights' values, and the code-execution review.
 */
import { readdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/use-backend.js';
import { TfdistillError, type TfdistillErrorCode } from '../../src/errors.js';
import { loadClassifier } from '../../src/io/classifier-checkpoint.js';
import { loadModel } from '../../src/io/load-model.js';
import { expectNoLeaks } from '../helpers.js';
import { makeTinyCheckpoint } from '../tiny-checkpoint.js';

// biome-ignore lint/suspicious/noExplicitAny: free-form edits of test documents
type Json = Record<string, any>;
let root: string;
let base: string;

beforeAll(async () => {
  await useBackend('wasm');
  root = await mkdtemp(path.join(os.tmpdir(), 'tfdistill-malicious-'));
  base = path.join(root, 'base');
  (await makeTinyCheckpoint(base)).model.dispose();
});
afterAll(() => rm(root, { recursive: true, force: true }));

let counter = 0;
/** A copy of the valid tiny checkpoint after `mutate`. */
async function crafted(mutate: (dir: string) => Promise<void>): Promise<string> {
  const dir = path.join(root, `case-${counter++}`);
  await cp(base, dir, { recursive: true });
  await mutate(dir);
  return dir;
}

/** Edits a JSON file of the checkpoint in place. */
const editJson = (file: string, edit: (json: Json) => void) => async (dir: string) => {
  const json = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as Json;
  edit(json);
  await writeFile(path.join(dir, file), JSON.stringify(json));
};
const layers = (j: Json): Json[] => j.modelTopology.config.layers;

const attacks: Array<[string, (dir: string) => Promise<void>, TfdistillErrorCode, RegExp]> = [
  [
    'class_name "__proto__" (reaches Object.prototype through tfjs\'s `in` lookups)',
    editJson('model.json', (j) => {
      layers(j)[5].class_name = '__proto__';
    }),
    'CHECKPOINT_INVALID',
    /modelTopology has class_name "__proto__" at \/config\/layers\/5: not a class name TF\.js can register/,
  ],
  [
    'class_name "constructor"',
    editJson('model.json', (j) => {
      layers(j)[2].class_name = 'constructor';
    }),
    'CHECKPOINT_INVALID',
    /class_name "constructor" .*not a class name/,
  ],
  [
    'a camelCase className "toString" (tfjs converts snake_case keys, so both spellings reach it)',
    editJson('model.json', (j) => {
      delete layers(j)[3].class_name;
      layers(j)[3].className = 'toString';
    }),
    'CHECKPOINT_INVALID',
    /className "toString"/,
  ],
  [
    'a class_name naming a module to import',
    editJson('model.json', (j) => {
      layers(j)[5].class_name = 'node:child_process';
    }),
    'CHECKPOINT_INVALID',
    /TF\.js could not build the model \(Unknown layer: node:child/,
  ],
  [
    'a layer name "__proto__"',
    editJson('model.json', (j) => {
      layers(j)[0].name = '__proto__';
    }),
    'CHECKPOINT_INVALID',
    /layer name "__proto__" is reserved/,
  ],
  [
    'a dangling inbound node (tfjs would loop forever)',
    editJson('model.json', (j) => {
      layers(j)[1].inbound_nodes = [];
    }),
    'CHECKPOINT_INVALID',
    /layer "block_0" waits for an inbound node that is never built/,
  ],
  [
    'a cycle between layers',
    editJson('model.json', (j) => {
      layers(j)[1].inbound_nodes = [[['final_norm', 0, 0, {}]]];
    }),
    'CHECKPOINT_INVALID',
    /waits for an inbound node that is never built \(a dangling reference or a cycle\)/,
  ],
  [
    'an input from an unknown layer',
    editJson('model.json', (j) => {
      layers(j)[4].inbound_nodes = [[['ghost', 0, 0, {}]]];
    }),
    'CHECKPOINT_INVALID',
    /layer "pooler" takes input from unknown layer "ghost"/,
  ],
  [
    'output_layers pointing at a node that does not exist',
    editJson('model.json', (j) => {
      j.modelTopology.config.output_layers = [['logits', 3, 0]];
    }),
    'CHECKPOINT_INVALID',
    /"output_layers" must list \[layer, node, tensor\] entries of existing layer nodes/,
  ],
  [
    'a topology asking for a 10^12-element embedding (allocation before the weights are checked)',
    editJson('model.json', (j) => {
      layers(j)[1].config.vocab_size = 1e9;
      layers(j)[1].config.d_model = 1000;
    }),
    'CHECKPOINT_INVALID',
    /the topology creates weight "tokens" with shape \[1000000000,1000\] .* refusing to allocate it/,
  ],
  [
    'a JSON bomb: topology nested 100,000 levels deep',
    async (dir) => {
      const file = path.join(dir, 'model.json');
      const text = await readFile(file, 'utf8');
      await writeFile(file, text.replace('"keras_version"', `"bomb": ${'['.repeat(100_000)}${']'.repeat(100_000)}, "keras_version"`));
    },
    'CHECKPOINT_INVALID',
    /modelTopology is nested deeper than 64 levels/,
  ],
  [
    'a JSON bomb: 60 MB string in tfdistill.json extra (under the 64 MiB cap, so parsed) with bad labels',
    editJson('tfdistill.json', (j) => {
      j.extra = { blob: 'x'.repeat(60e6) };
      j.labels = 'ham';
    }),
    'CHECKPOINT_INVALID',
    /tfdistill\.json: "labels" must be an array of strings/,
  ],
  [
    'a JSON bomb as the "format" of tfdistill.json (the error message must not recurse into it)',
    async (dir) => writeFile(path.join(dir, 'tfdistill.json'), `{"format": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`),
    'CHECKPOINT_INVALID',
    /tfdistill\.json: "format" must be "tfdistill-checkpoint", got \(an array of 1\)/,
  ],
  [
    'an extra layer outside the output graph (tfjs builds it but the model would not own it)',
    editJson('model.json', (j) => {
      layers(j).push({ ...layers(j)[5], name: 'extra', config: { ...layers(j)[5].config, name: 'extra' } });
    }),
    'CHECKPOINT_INVALID',
    /the topology creates weight "[a-z]+" with shape .* more than the weights in the manifest hold/,
  ],
  [
    'a tokenizer path leaving the checkpoint',
    editJson('tfdistill.json', (j) => {
      j.tokenizer = '../base/tokenizer.json';
    }),
    'CHECKPOINT_INVALID',
    /"tokenizer" must be a plain file name inside the checkpoint/,
  ],
  [
    'a tokenizer.json symlinked outside the checkpoint',
    async (dir) => {
      const outside = path.join(root, 'outside-tokenizer.json');
      await cp(path.join(base, 'tokenizer.json'), outside);
      await rm(path.join(dir, 'tokenizer.json'));
      await symlink(outside, path.join(dir, 'tokenizer.json'));
    },
    'CHECKPOINT_INVALID',
    /tokenizer "tokenizer\.json" is a symlink that resolves outside the checkpoint directory/,
  ],
  [
    'a tokenizer.json with a 1,000,001-token vocab',
    editJson('tokenizer.json', (j) => {
      j.model.vocab = Object.fromEntries(
        Array.from({ length: 1_000_001 }, (_, i) => [i === 0 ? '[PAD]' : i === 1 ? '[UNK]' : i.toString(36), i]),
      );
    }),
    'TOKENIZER_INVALID',
    /the vocab has 1000001 tokens, more than the 1000000 tfdistill accepts/,
  ],
  [
    'a tokenizer.json whose post-processor is garbage (the tokenizer package would throw a TypeError)',
    editJson('tokenizer.json', (j) => {
      j.post_processor.single = [7.25];
    }),
    'TOKENIZER_INVALID',
    /invalid tokenizer\.json: /,
  ],
  [
    'a NaN weight',
    async (dir) => {
      const shard = path.join(dir, 'group1-shard1of1.bin');
      const bytes = await readFile(shard);
      bytes.writeFloatLE(NaN, 4 * 130); // embeddings/tokens is [120, 16]: row 8, column 2
      await writeFile(shard, bytes);
    },
    'NON_FINITE',
    /model\.json: weight "embeddings\/tokens" holds NaN at flat index 130/,
  ],
  [
    'an Infinity weight in the last layer',
    async (dir) => {
      const shard = path.join(dir, 'group1-shard1of1.bin');
      const bytes = await readFile(shard);
      bytes.writeFloatLE(-Infinity, bytes.length - 4);
      await writeFile(shard, bytes);
    },
    'NON_FINITE',
    /weight "logits\/bias" holds -Infinity at flat index 1/,
  ],
];

describe('malicious checkpoints are refused with their reason', () => {
  it.each(attacks)('%s', async (_name, mutate, code, message) => {
    const dir = await crafted(mutate);
    await expectNoLeaks(async () => {
      const error = await loadClassifier(dir).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TfdistillError);
      expect((error as TfdistillError).code).toBe(code);
      expect((error as TfdistillError).message, (error as Error).message).toMatch(message);
    });
  });

  it('loads NaN weights only when the caller opts out of the scan (checkFinite: false)', async () => {
    const dir = await crafted(attacks.find(([n]) => n === 'a NaN weight')![1]);
    await expectNoLeaks(async () => {
      const { model } = await loadModel(dir, { checkFinite: false });
      expect(Number.isNaN((await model.getWeights()[0].data())[130])).toBe(true);
      model.dispose();
    });
  });

  it('never evaluates or dynamically imports anything named in a file (source review of the loaders)', async () => {
    // Class names resolve only against tfjs's registry of classes registered in code; the loaders contain no eval,
    // Function constructor, dynamic import of a non-literal, or require.
    const here = path.dirname(fileURLToPath(import.meta.url));
    const files = [
      'load-model.ts',
      'build-model.ts',
      'model-files.ts',
      'read-json.ts',
      'validate-manifest.ts',
      'validate-topology.ts',
      'shards.ts',
      'checkpoint-meta.ts',
      'optimizer-files.ts',
      'classifier-checkpoint.ts',
    ]
      .map((f) => path.join(here, '../../src/io', f))
      .concat(['hf-export.ts'].map((f) => path.join(here, '../../src/io', f)))
      .concat(
        readdirSync(path.join(here, '../../src/data/tokenizer'))
          .filter((f) => !f.endsWith('.test.ts'))
          .map((f) => path.join(here, '../../src/data/tokenizer', f)),
      )
      .concat(['read.ts', 'format.ts'].map((f) => path.join(here, '../../src/data/teacher-cache', f)));
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const code = (await readFile(file, 'utf8')).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect(code, file).not.toMatch(/\beval\s*\(|new\s+Function\b|\brequire\s*\(/);
      for (const m of code.matchAll(/\bimport\s*\(\s*([^)]*)\)/g)) expect(m[1], `${file}: dynamic import`).toMatch(/^'node:[a-z/]+'$/);
    }
  });

  it('refuses a checkpoint directory that is a symlink farm pointing at system files', async () => {
    const dir = path.join(root, 'farm');
    await mkdir(dir);
    await cp(path.join(base, 'model.json'), path.join(dir, 'model.json'));
    await cp(path.join(base, 'tfdistill.json'), path.join(dir, 'tfdistill.json'));
    await symlink('/etc/hostname', path.join(dir, 'group1-shard1of1.bin'));
    const error = await loadModel(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as TfdistillError).code).toBe('CHECKPOINT_INVALID');
    expect((error as TfdistillError).message).toMatch(
      /shard file "group1-shard1of1\.bin" is a symlink that resolves outside the checkpoint directory/,
    );
  });
});
