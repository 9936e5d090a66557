import { encoderPresets } from '../../models/options.js';
import { DISTILL_DEFAULTS } from '../../train/distill-config.js';
import { distill } from '../../train/distill.js';
import { defineCommand } from '../command.js';
import { backendOption, dataOptions, replicasOption } from '../options.js';
import { printDistillResult } from '../print-result.js';

/** `tfdistill train-teacher`: train an encoder on labels alone, for users who start without a teacher. */
export const trainTeacherCommand = defineCommand({
  command: 'train-teacher',
  describe: 'Train a teacher encoder on labelled data (no distillation)',
  builder: (y) =>
    y
      .options({
        data: { type: 'string', demandOption: true, describe: 'Training data, CSV or JSONL' },
        validation: { type: 'string', describe: 'Validation data (default: a 10% split of --data)' },
        preset: { choices: Object.keys(encoderPresets) as Array<keyof typeof encoderPresets>, default: 'teacherBase' as const },
        tokenizer: { type: 'string', describe: 'tokenizer.json (default: a WordPiece vocabulary trained on --data)' },
        'vocab-size': { type: 'number', default: 8000, describe: 'Size of the trained WordPiece vocabulary' },
        epochs: { type: 'number', default: DISTILL_DEFAULTS.schedule.epochs },
        'max-steps': { type: 'number' },
        'batch-size': { type: 'number', default: DISTILL_DEFAULTS.schedule.batchSize },
        lr: { type: 'number', default: DISTILL_DEFAULTS.optimizer.learningRate },
        'max-length': {
          type: 'number',
          default: DISTILL_DEFAULTS.data.maxLength,
          describe: 'Tokens per example (longer texts are truncated)',
        },
        seed: { type: 'number', default: DISTILL_DEFAULTS.seed },
        out: { type: 'string', default: 'teacher', describe: 'Run directory (the teacher goes to OUT/teacher)' },
        resume: { type: 'boolean', default: false },
        force: { type: 'boolean', default: false },
        ...dataOptions,
        ...backendOption,
        ...replicasOption,
      })
      .example('$0 train-teacher --data train.csv --preset teacherBase --out t/', 'then: $0 train --teacher t/ --data train.csv'),
  handler: async (a) => {
    const result = await distill({
      train: a.data,
      validation: a.validation,
      seed: a.seed,
      out: a.out,
      student: { ...encoderPresets[a.preset] },
      data: {
        textColumn: a.textColumn,
        textPairColumn: a.textPairColumn,
        labelColumn: a.labelColumn,
        onBadRow: a.onBadRow,
        maxLength: a.maxLength,
        vocabSize: a.vocabSize,
        tokenizer: a.tokenizer,
      },
      loss: { alpha: 0 },
      optimizer: { learningRate: a.lr },
      schedule: { epochs: a.epochs, maxSteps: a.maxSteps, batchSize: a.batchSize },
      runtime: { backend: a.backend, threads: a.threads, replicas: a.replicas },
      checkpoints: { exportDir: 'teacher', resume: a.resume, force: a.force },
    });
    printDistillResult(result, { role: 'teacher' });
    result.student.dispose();
    if (result.interrupted) process.exitCode = 130;
  },
});
