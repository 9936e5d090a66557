import { cacheTeacherCommand } from './cache-teacher.js';
import { demoCommand } from './demo.js';
import { optimizeCommand } from './optimize.js';
import { pruneCommand } from './prune.js';
import { quantizeCommand } from './quantize.js';
import { trainTeacherCommand } from './train-teacher.js';
import { trainCommand } from './train.js';

/** Every CLI command, in the order `--help` lists them. */
export const commands = [
  demoCommand, trainCommand, trainTeacherCommand, cacheTeacherCommand, pruneCommand, quantizeCommand, optimizeCommand,
];
