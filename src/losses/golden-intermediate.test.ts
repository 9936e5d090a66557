import { beforeAll, describe, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { checkIntermediateRow } from '../../test/fixtures/losses/check.js';
import { golden } from '../../test/fixtures/losses/golden.js';

describe('intermediate losses match PyTorch (wasm)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  for (const row of golden.intermediate) {
    it(row.name, async () => {
      await expectNoLeaks(() => checkIntermediateRow(row));
    });
  }
});
