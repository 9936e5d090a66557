import type { IntermediateLossName } from './registry.js';

/**
 * One group of intermediate-layer terms: `weight * loss(student[s], teacher[t])` for each
 * `[s, t]` in `layerMap` (block indices into `hidden` or `attention`).
 *
 * @example
 * ```ts
 * import { distill } from 'tfdistill';
 * // TinyBERT-style: 4-block student, 12-block teacher, every third teacher block
 * await distill({ teacher: 'teacher/', train: 'train.csv', out: 'run/', student: { numLayers: 4 },
 *   loss: { intermediate: [{ loss: 'hiddenMse', weight: 1, layerMap: [[0, 2], [1, 5], [2, 8], [3, 11]] }] } });
 * ```
 */
export interface IntermediateSpec {
  /** A name of `intermediateLosses` (src/losses/registry.ts). */
  loss: IntermediateLossName;
  weight: number;
  layerMap: Array<[studentBlock: number, teacherBlock: number]>;
}
