import { prepareDatasets } from '../../data/prepare.js';
import { cacheTeacherOutputs } from '../../data/teacher-cache/write.js';
import { mergeTeacherCaches } from '../../data/teacher-cache/merge.js';
import { parseShard } from '../../data/teacher-cache/shard.js';
import { useBackend } from '../../backend/use-backend.js';
import { TfdistillError } from '../../errors.js';
import { registerFileRouter } from '../../io/file-router.js';
import { assertOutputFree } from '../../io/output-path.js';
import { DISTILL_DEFAULTS, maxLengthFor } from '../../train/distill-config.js';
import { resolveTeacher } from '../../io/resolve-teacher.js';
import { defineCommand } from '../command.js';
import { backendOption, dataOptions, outputOptions, teacherRuntimeOptions } from '../options.js';

/** `tfdistill cache-teacher`: compute teacher logits once (optionally one shard of them), or merge shards. */
export const cacheTeacherCommand = defineCommand({
  command: 'cache-teacher [teacher]',
  describe: 'Run the teacher once over a data file and store its logits (shardable across processes/machines)',
  builder: (y) =>
    y
      .positional('teacher', {
        type: 'string',
        describe:
          'Teacher: checkpoint or run directory, Hugging Face ONNX export folder / .onnx file, or TF.js model.json (then --tokenizer)',
      })
      .options({
        data: { type: 'string', describe: 'The training data file the cache is for' },
        tokenizer: { type: 'string', describe: "tokenizer.json (default: the teacher checkpoint's)" },
        ...outputOptions('Cache file to write'),
        shard: { type: 'string', describe: 'i/n: compute only shard i (0-based) of n; default from JOB_COMPLETION_INDEX/JOB_COMPLETIONS' },
        'top-k': { type: 'number', describe: 'Keep only the k largest logits per row' },
        dtype: { choices: ['float32', 'float16'] as const, default: 'float32' as const },
        'batch-size': { type: 'number', default: 64 },
        'max-length': {
          type: 'number',
          describe: `Tokens per example, as given to train. Default ${DISTILL_DEFAULTS.data.maxLength}, or the teacher's maximum when smaller`,
        },
        merge: { type: 'array', string: true, describe: 'Merge these shard files into --out instead of computing' },
        ...dataOptions,
        ...teacherRuntimeOptions,
        ...backendOption,
      })
      .example('$0 cache-teacher t/ --data train.csv --out train.teacher.bin', 'whole file, one process')
      .example('$0 cache-teacher t/ --data train.csv --out part0.bin --shard 0/4', 'shard 0 of 4 (also via a Kubernetes Indexed Job)')
      .example('$0 cache-teacher --merge part0.bin part1.bin part2.bin part3.bin --out train.teacher.bin', 'merge the shards')
      .example('$0 train --teacher t/ --data train.csv --teacher-cache train.teacher.bin', 'then train from the cache'),
  handler: async (a) => {
    await assertOutputFree(a.out, { force: a.force });
    if (a.merge) {
      const header = await mergeTeacherCaches(a.merge, a.out);
      console.log(`merged ${a.merge.length} shards into ${a.out} (${header.totalRows} rows, ${header.numClasses} classes)`);
      return;
    }
    if (!a.teacher || !a.data) {
      throw new TfdistillError(
        'INVALID_ARGUMENT',
        'name the teacher and --data (or --merge shard files)',
        'e.g. tfdistill cache-teacher t/ --data train.csv --out train.teacher.bin',
      );
    }
    await useBackend(a.backend, { wasmThreads: a.threads });
    registerFileRouter();
    const teacher = await resolveTeacher(a.teacher, { tokenizer: a.tokenizer, threads: a.teacherThreads });
    try {
      const data = await prepareDatasets({
        train: a.data,
        validationFraction: 0,
        seed: 0,
        maxLength: maxLengthFor(a.maxLength, teacher.maxLength),
        tokenizer: teacher.tokenizer,
        labels: teacher.labels,
        textColumn: a.textColumn,
        textPairColumn: a.textPairColumn,
        labelColumn: a.labelColumn,
        onBadRow: a.onBadRow,
      });
      const shard = parseShard(a.shard);
      let last = 0;
      const header = await cacheTeacherOutputs(teacher.teacher, data.train, a.out, {
        teacherId: teacher.id,
        dtype: a.dtype,
        batchSize: a.batchSize,
        topK: a.topK,
        shard,
        padding: data.padding,
        onProgress: ({ rowsDone, rowsTotal }) => {
          const pct = Math.floor((100 * rowsDone) / rowsTotal);
          if (pct >= last + 10 || rowsDone === rowsTotal) {
            last = pct;
            process.stderr.write(`teacher cache: ${rowsDone}/${rowsTotal} rows\n`);
          }
        },
      });
      console.log(
        `wrote ${a.out}: rows [${header.rowStart}, ${header.rowEnd}) of ${header.totalRows}, ${header.numClasses} classes, ${header.dtype}`,
      );
    } finally {
      await teacher.dispose();
    }
  },
});
