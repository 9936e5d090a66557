import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { checkIntermediateRow, checkKdRow } from '../../test/fixtures/losses/check.js';
import { golden } from '../../test/fixtures/losses/golden.js';

// A subset on the pure-JS backend: the same numbers must not depend on the wasm kernels.
const kdRows = golden.kd.filter((r) => /^cls T=(4|20) a=0\.5|C=1000 T=4|token masked T=4|topk uniform token/.test(r.name));
const intermediateRows = golden.intermediate.filter((r) => /projected|heads/.test(r.name));

describe('losses match PyTorch (cpu subset)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('covers classification, 1000 classes, masked tokens, top-k and intermediate rows', () => {
    expect(kdRows.length).toBeGreaterThanOrEqual(4);
    expect(intermediateRows.length).toBeGreaterThanOrEqual(3);
  });

  for (const row of [...kdRows, ...intermediateRows]) {
    it(row.name, async () => {
      await expectNoLeaks(() => ('shape' in row ? checkKdRow(row) : checkIntermediateRow(row)));
    });
  }
});
