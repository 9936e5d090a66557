/**
 * Datasets that ship inside the package (`data/` at the package root), so examples and tests run offline.
 * Each has a licence file beside it saying where it came from and how it was derived.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TfdistillError } from '../../errors.js';

/** What a built-in dataset is: its file under `data/` and the classes it holds. */
export interface BuiltinDataset {
  file: string;
  labels: readonly string[];
  description: string;
}

/**
 * The built-in datasets, by name.
 *
 * @example
 * ```ts
 * for (const [name, d] of Object.entries(builtinDatasets)) console.log(name, d.labels, d.description);
 * ```
 */
export const builtinDatasets = {
  'spam-assassin': {
    file: 'spam-assassin.csv',
    labels: ['ham', 'spam'],
    description:
      'SpamAssassin public corpus: 5868 e-mails (subject + first ~600 body chars), 4106 ham / 1762 spam; ' +
      'PDDL-1.0 / CC0-1.0, see data/LICENSE-spam-assassin.md',
  },
} satisfies Record<string, BuiltinDataset>;

/** Names accepted by {@link builtinDatasetPath}. */
export type BuiltinDatasetName = keyof typeof builtinDatasets;

/**
 * Absolute path of a built-in dataset's file, ready for `loadRecords`. Works from the source tree (`src/data/readers/`) and
 * from the build (`dist/data/readers/`), which both sit three levels below the package root.
 *
 * @example
 * ```ts
 * const { records, labelSet } = await loadRecords(builtinDatasetPath('spam-assassin'));
 * // labelSet: ['ham', 'spam']
 * ```
 */
export function builtinDatasetPath(name: BuiltinDatasetName): string {
  const dataset: BuiltinDataset | undefined = (builtinDatasets as Record<string, BuiltinDataset>)[name];
  if (!dataset) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      `unknown built-in dataset '${name}'; available: ${Object.keys(builtinDatasets).join(', ')}`,
    );
  }
  const path = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'data', dataset.file);
  if (!existsSync(path)) {
    throw new TfdistillError('DATA_INVALID', `built-in dataset '${name}' is missing from this installation: ${path}`);
  }
  return path;
}
