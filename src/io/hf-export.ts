/**
 * A Hugging Face model exported to ONNX, as `optimum-cli export onnx --task text-classification out/` writes it:
 * `model.onnx` (or `onnx/model.onnx`, the Hub's layout), `config.json` (class names in `id2label`),
 * `tokenizer.json` with `tokenizer_config.json` and `special_tokens_map.json`.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { TfdistillError } from '../errors.js';

/**
 * What an export folder holds.
 *
 * @example
 * ```ts
 * const hf: HfExport | undefined = await findHfExport('out/');
 * hf?.labels; // ['NEGATIVE', 'POSITIVE']
 * ```
 */
export interface HfExport {
  /** The folder (absolute). */
  dir: string;
  /** The ONNX graph. */
  modelFile: string;
  /** Class names in logit order, from `config.json` `id2label`; undefined when the folder has no config.json. */
  labels?: string[];
  /** Longest input the model takes (positions), when config.json says. */
  maxLength?: number;
  /** `config.json` `model_type` (`bert`, `roberta`, ...), when given. */
  modelType?: string;
  /** The folder holding `tokenizer.json`, when there is one. */
  tokenizerDir?: string;
}

const exists = (file: string) =>
  fs.stat(file).then(
    (s) => s.isFile(),
    () => false,
  );

/**
 * Looks at `source` as an ONNX teacher: a `.onnx` file, or a folder with `model.onnx` or `onnx/model.onnx`. Returns
 * undefined when it is neither (e.g. a tfdistill checkpoint). `config.json` and `tokenizer.json` are looked for beside
 * the model and in the folder above `onnx/`. Throws `CHECKPOINT_INVALID` for a `config.json` it cannot read.
 *
 * @example
 * ```ts
 * const hf = await findHfExport('distilbert-sst2-onnx/');
 * if (hf) console.log(hf.modelFile, hf.labels);
 * ```
 */
export async function findHfExport(source: string): Promise<HfExport | undefined> {
  const resolved = path.resolve(source);
  let modelFile: string | undefined;
  if (resolved.endsWith('.onnx')) modelFile = resolved;
  else {
    for (const candidate of [path.join(resolved, 'model.onnx'), path.join(resolved, 'onnx', 'model.onnx')]) {
      if (await exists(candidate)) {
        modelFile = candidate;
        break;
      }
    }
  }
  if (!modelFile) return undefined;
  const modelDir = path.dirname(modelFile);
  const dirs = path.basename(modelDir) === 'onnx' ? [modelDir, path.dirname(modelDir)] : [modelDir];
  const configDir = await firstWith(dirs, 'config.json');
  const tokenizerDir = await firstWith(dirs, 'tokenizer.json');
  const config = configDir ? await readConfig(path.join(configDir, 'config.json')) : undefined;
  return { dir: configDir ?? tokenizerDir ?? modelDir, modelFile, ...config, ...(tokenizerDir ? { tokenizerDir } : {}) };
}

async function firstWith(dirs: readonly string[], file: string): Promise<string | undefined> {
  for (const dir of dirs) if (await exists(path.join(dir, file))) return dir;
  return undefined;
}

/** RoBERTa-family models offset positions by pad_token_id + 1 (their position table has 2 more rows than inputs). */
const OFFSET_POSITIONS = new Set(['roberta', 'xlm-roberta', 'camembert', 'longformer', 'mpnet']);

async function readConfig(file: string): Promise<Pick<HfExport, 'labels' | 'maxLength' | 'modelType'>> {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new TfdistillError('CHECKPOINT_INVALID', `cannot read ${file}: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new TfdistillError('CHECKPOINT_INVALID', `${file} is not a JSON object`);
  }
  const modelType = typeof doc.model_type === 'string' ? doc.model_type : undefined;
  const positions = typeof doc.max_position_embeddings === 'number' ? doc.max_position_embeddings : undefined;
  const offset = modelType && OFFSET_POSITIONS.has(modelType) ? Number(doc.pad_token_id ?? 1) + 1 : 0;
  return {
    labels: doc.id2label === undefined ? undefined : labelsFrom(doc.id2label, file),
    ...(positions ? { maxLength: positions - offset } : {}),
    ...(modelType ? { modelType } : {}),
  };
}

/** `{"0": "ham", "1": "spam"}` -> `['ham', 'spam']`; keys must be exactly 0..n-1. */
function labelsFrom(id2label: unknown, file: string): string[] {
  if (typeof id2label !== 'object' || id2label === null || Array.isArray(id2label)) {
    throw new TfdistillError('CHECKPOINT_INVALID', `${file}: id2label must be an object like {"0": "negative", "1": "positive"}`);
  }
  const entries = Object.entries(id2label as Record<string, unknown>);
  const labels = new Array<string>(entries.length);
  for (const [key, name] of entries) {
    const id = Number(key);
    if (!/^\d+$/.test(key) || id >= entries.length || labels[id] !== undefined || typeof name !== 'string' || name === '') {
      throw new TfdistillError(
        'CHECKPOINT_INVALID',
        `${file}: id2label must map 0..${entries.length - 1} to class names, found ${JSON.stringify(key)}: ${JSON.stringify(name)}`,
      );
    }
    labels[id] = name;
  }
  if (new Set(labels).size !== labels.length) {
    throw new TfdistillError('CHECKPOINT_INVALID', `${file}: id2label names a class twice (${labels.join(', ')})`);
  }
  return labels;
}
