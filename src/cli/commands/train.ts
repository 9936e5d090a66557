import { DISTILL_DEFAULTS } from '../../train/distill-config.js';
import { distill } from '../../train/distill.js';
import { defineCommand } from '../command.js';
import {
  backendOption,
  dataOptions,
  replicasOption,
  teacherEmbeddingOptions,
  teacherEmbeddingSettings,
  teacherRuntimeOptions,
} from '../options.js';
import { printDistillResult } from '../print-result.js';

/** `tfdistill train`: distill a teacher into a student (the library's `distill`). */
export const trainCommand = defineCommand({
  command: 'train',
  describe: 'Distill a teacher into a smaller student',
  builder: (y) =>
    y
      .options({
        task: {
          choices: ['classification', 'embedding'] as const,
          default: DISTILL_DEFAULTS.task,
          describe: "What the student learns: the teacher's class probabilities, or its sentence vectors",
        },
        teacher: {
          type: 'string',
          describe:
            'Teacher: a tfdistill checkpoint dir, a Hugging Face ONNX export folder or .onnx file, or a TF.js model.json path/URL (then --tokenizer)',
        },
        data: { type: 'string', demandOption: true, describe: 'Training data, CSV or JSONL' },
        validation: { type: 'string', describe: 'Validation data (default: a 10% split of --data)' },
        tokenizer: { type: 'string', describe: "The teacher's tokenizer.json or tokenizer folder, for a teacher that brings none" },
        'student-tokenizer': {
          type: 'string',
          describe:
            "'teacher' (reuse the teacher's), 'train' (a WordPiece trained on --data), or a tokenizer.json (default: teacher for a tfdistill teacher, train for an ONNX one)",
        },
        'vocab-size': { type: 'number', describe: 'Vocabulary of the WordPiece tokenizer trained for the student (default 8000)' },
        'teacher-logits-column': {
          type: 'string',
          describe: 'Column with teacher logits (with --task embedding: its vectors) as a JSON array (distill with no teacher model)',
        },
        'teacher-cache': { type: 'string', describe: 'Teacher logits for --data from `tfdistill cache-teacher`' },
        'teacher-cache-dtype': {
          choices: ['float32', 'float16'] as const,
          describe: "How the run's teacher cache stores logits or vectors (default float32; float16 halves the file)",
        },
        'student-dim': { type: 'number', describe: 'Student width; scales FFN (4x) and heads (dim/64) unless given' },
        'student-layers': { type: 'number', describe: 'Student blocks (default 2)' },
        'student-heads': { type: 'number', describe: 'Student attention heads' },
        'ffn-dim': { type: 'number', describe: 'Student feed-forward width' },
        'init-from-teacher': { type: 'boolean', default: false, describe: 'Initialise the student from teacher weights' },
        temperature: {
          type: 'number',
          describe: `Softmax temperature T of the soft targets (default ${DISTILL_DEFAULTS.loss.temperature})`,
        },
        alpha: {
          type: 'number',
          describe: `Weight of the soft (KL) loss; 1 - alpha weighs the label loss (default ${DISTILL_DEFAULTS.loss.alpha})`,
        },
        'embedding-loss': {
          choices: ['mse', 'cosine'] as const,
          describe: `With --task embedding: the loss to the teacher's vectors (default ${DISTILL_DEFAULTS.loss.embedding.kind})`,
        },
        contrastive: { type: 'number', describe: 'With --task embedding: weight of an in-batch contrastive term (default 0)' },
        pca: { type: 'number', describe: "With --task embedding: targets in the teacher vectors' top N principal components" },
        'contrastive-temperature': {
          type: 'number',
          describe: `Temperature of that term's cosine scores (default ${DISTILL_DEFAULTS.loss.embedding.contrastiveTemperature})`,
        },
        epochs: { type: 'number', default: DISTILL_DEFAULTS.schedule.epochs },
        'max-steps': { type: 'number', describe: 'Stop after this many optimizer steps' },
        'batch-size': { type: 'number', default: DISTILL_DEFAULTS.schedule.batchSize },
        'grad-accum': {
          type: 'number',
          default: DISTILL_DEFAULTS.optimizer.gradientAccumulation,
          describe: 'Micro-batches per optimizer step',
        },
        lr: {
          type: 'number',
          default: DISTILL_DEFAULTS.optimizer.learningRate,
          describe: 'Peak learning rate (AdamW, linear warmup + decay)',
        },
        'max-length': {
          type: 'number',
          describe: `Tokens per example (longer texts are truncated). Default ${DISTILL_DEFAULTS.data.maxLength}, or the teacher's maximum when smaller`,
        },
        precision: { choices: ['float32', 'mixed-float16', 'mixed-bfloat16'] as const, default: DISTILL_DEFAULTS.runtime.precision },
        'eval-every': { type: 'number', describe: 'Evaluate every N steps (default: each epoch)' },
        patience: { type: 'number', describe: 'Early stopping: evaluations without improvement' },
        seed: { type: 'number', default: DISTILL_DEFAULTS.seed },
        out: { type: 'string', default: DISTILL_DEFAULTS.out, describe: 'Run directory (the student goes to OUT/student)' },
        resume: { type: 'boolean', default: false, describe: 'Continue from the latest checkpoint in --out' },
        force: { type: 'boolean', default: false, describe: 'Replace an existing --out' },
        ...dataOptions,
        ...teacherRuntimeOptions,
        ...teacherEmbeddingOptions,
        ...backendOption,
        ...replicasOption,
      })
      .example('$0 train --teacher teacher/ --data train.csv --student-dim 256', 'distill teacher/ into a 256-wide student')
      .example('$0 train --teacher hf-onnx/ --data train.csv', 'distill a Hugging Face model exported with optimum-cli export onnx')
      .example('$0 train --teacher hf-onnx/ --data pairs.csv --text-pair-column text_pair', 'sentence pairs')
      .example('$0 train --data logits.csv --teacher-logits-column logits', 'distill from logits computed elsewhere')
      .example(
        '$0 train --task embedding --data texts.jsonl --teacher-logits-column vector',
        'an embedding student, from vectors computed elsewhere',
      )
      .example('$0 train --teacher teacher/ --data train.csv --out run/ --resume', 'continue an interrupted run'),
  handler: async (a) => {
    const onnxEmbedding = teacherEmbeddingSettings(a);
    const embedding = { kind: a.embeddingLoss, contrastive: a.contrastive, contrastiveTemperature: a.contrastiveTemperature };
    const result = await distill({
      task: a.task,
      teacher: a.teacher,
      train: a.data,
      validation: a.validation,
      seed: a.seed,
      out: a.out,
      student: {
        dModel: a.studentDim,
        numLayers: a.studentLayers,
        numHeads: a.studentHeads,
        ffnDim: a.ffnDim,
        initFromTeacher: a.initFromTeacher,
      },
      data: {
        textColumn: a.textColumn,
        textPairColumn: a.textPairColumn,
        labelColumn: a.labelColumn,
        teacherLogitsColumn: a.teacherLogitsColumn,
        onBadRow: a.onBadRow,
        maxLength: a.maxLength,
        vocabSize: a.vocabSize,
        tokenizer: a.tokenizer,
        studentTokenizer: a.studentTokenizer,
        teacherCache: a.teacherCache,
        teacherCacheDtype: a.teacherCacheDtype,
        ...(onnxEmbedding !== undefined || a.pca !== undefined ? { teacherEmbedding: { ...onnxEmbedding, pca: a.pca } } : {}),
      },
      loss: {
        temperature: a.temperature,
        alpha: a.alpha,
        ...(Object.values(embedding).some((v) => v !== undefined) ? { embedding } : {}),
      },
      optimizer: { learningRate: a.lr, gradientAccumulation: a.gradAccum },
      schedule: {
        epochs: a.epochs,
        maxSteps: a.maxSteps,
        batchSize: a.batchSize,
        evalEvery: a.evalEvery,
        earlyStopping: a.patience ? { patience: a.patience } : undefined,
      },
      runtime: { backend: a.backend, threads: a.threads, replicas: a.replicas, precision: a.precision, teacherThreads: a.teacherThreads },
      checkpoints: { resume: a.resume, force: a.force },
    });
    printDistillResult(result, { role: 'student' });
    result.student.dispose();
    if (result.interrupted) process.exitCode = 130;
  },
});
