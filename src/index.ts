/**
 * tfdistill: knowledge distillation for TensorFlow.js.
 *
 * @example
 * ```ts
 * import { distill } from 'tfdistill';
 * ```
 * @packageDocumentation
 */
export { TfdistillError, type TfdistillErrorCode } from './errors.js';
export type { EncoderOutputs, Teacher } from './models/types.js';
export { embeddingLookup } from './backend/embedding.js';
export { version } from './version.js';
