import { beforeAll, describe, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { checkKdRow } from '../../test/fixtures/losses/check.js';
import { golden } from '../../test/fixtures/losses/golden.js';

describe('distillationLoss matches PyTorch (wasm)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  for (const row of golden.kd) {
    it(row.name, async () => {
      await expectNoLeaks(() => checkKdRow(row));
    });
  }
});
