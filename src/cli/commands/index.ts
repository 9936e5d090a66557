import { benchCommand } from './bench.js';
import { cacheTeacherCommand } from './cache-teacher.js';
import { demoCommand } from './demo.js';
import { evalCommand } from './eval.js';
import { exportWebCommand } from './export-web.js';
import { optimizeCommand } from './optimize.js';
import { predictCommand } from './predict.js';
import { pruneCommand } from './prune.js';
import { quantizeCommand } from './quantize.js';
import { trainTeacherCommand } from './train-teacher.js';
import { trainCommand } from './train.js';

/** Every CLI command, in the order `--help` lists them. */
export const commands = [
  demoCommand,
  trainCommand,
  trainTeacherCommand,
  cacheTeacherCommand,
  evalCommand,
  benchCommand,
  predictCommand,
  exportWebCommand,
  pruneCommand,
  quantizeCommand,
  optimizeCommand,
];
