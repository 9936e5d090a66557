import fs from 'node:fs/promises';
import { loadTokenizer } from '../data/tokenizer/tokenizer-files.js';
import type { TextTokenizer } from '../data/types.js';
import { TfdistillError } from '../errors.js';
import type { HfExport } from './hf-export.js';
import { loadOnnxTeacher } from '../models/onnx-teacher.js';
import type { OnnxEmbeddingOptions } from '../models/onnx-session.js';
import { teacherLogitsAsync } from '../models/teacher-logits.js';
import type { ResolvedTeacher } from './resolve-teacher.js';

/**
 * An ONNX teacher (a Hugging Face export folder or a bare `.onnx` file) ready for training: its tokenizer (the
 * folder's, or the one given), its class names from `config.json` `id2label`, and one tiny forward pass that checks
 * the graph runs and gives one logit per class before any data is read or anything written.
 *
 * @example
 * ```ts
 * const hf = await findHfExport('out/');
 * const resolved = await resolveOnnxTeacher(hf!, { threads: 2 });
 * ```
 */
export async function resolveOnnxTeacher(
  hf: HfExport,
  opts: { tokenizer?: TextTokenizer; threads?: number; logitsOutput?: string; embedding?: OnnxEmbeddingOptions },
): Promise<ResolvedTeacher> {
  const tokenizer = opts.tokenizer ?? (hf.tokenizerDir ? await loadTokenizer(hf.tokenizerDir) : undefined);
  if (!tokenizer) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      `${hf.modelFile} comes without a tokenizer.json`,
      'put the tokenizer files beside it (optimum-cli export onnx writes them) or pass --tokenizer path/to/tokenizer.json',
    );
  }
  const teacher = await loadOnnxTeacher(hf.modelFile, {
    threads: opts.threads,
    logitsOutput: opts.logitsOutput,
    embedding: opts.embedding,
    padId: tokenizer.padId,
  });
  try {
    const probe = tokenizer.encode('tfdistill', 16);
    const { classes } = await teacherLogitsAsync(teacher, probe, 1, probe.length, {
      attentionMask: new Int32Array(probe.length).fill(1),
      ...(teacher.takesTokenTypes ? { typeIds: new Int32Array(probe.length) } : {}),
    });
    if (!opts.embedding && hf.labels && classes !== hf.labels.length) {
      throw new TfdistillError(
        'SHAPE_MISMATCH',
        `the ONNX teacher gives ${classes} logits per row but config.json id2label names ${hf.labels.length} classes (${hf.labels.join(', ')})`,
        'export the model and its config.json together',
      );
    }
    const info = await fs.stat(hf.modelFile);
    return {
      teacher,
      // The embedding settings change the vectors: part of the cache key.
      id: `onnx:${hf.modelFile}:${info.size}:${info.mtimeMs}${opts.embedding ? `:embedding:${JSON.stringify(opts.embedding)}` : ''}`,
      stableId: true,
      tokenizer,
      labels: opts.embedding ? undefined : hf.labels,
      maxLength: hf.maxLength,
      external: true,
      dispose: () => teacher.dispose(),
    };
  } catch (e) {
    await teacher.dispose();
    throw e;
  }
}
