import { describe, expect, it } from 'vitest';
import { expectTfdistillError } from '../../test/fixtures/data/helpers.js';
import { buildLabelMap, labelToId, parseLabel } from './labels.js';

describe('labels', () => {
  it('sorts class names independently of row order and locale', () => {
    const records = [{ label: 'spam' }, { label: 'Ham' }, { label: 'ham' }, {}, { label: 'spam' }];
    expect(buildLabelMap(records)).toEqual(['Ham', 'ham', 'spam']);
    expect(buildLabelMap([...records].reverse())).toEqual(['Ham', 'ham', 'spam']);
  });

  it('maps integer labels to themselves and rejects a mix of ids and names', async () => {
    const map = buildLabelMap([{ label: 3 }, { label: 0 }]);
    expect(map).toEqual(['0', '1', '2', '3']);
    expect(labelToId(3, map)).toBe(3);
    await expectTfdistillError(() => buildLabelMap([{ label: 1 }, { label: 'spam' }]), 'DATA_INVALID');
  });

  it('looks up ids and rejects unknown labels', async () => {
    expect(labelToId('spam', ['ham', 'spam'])).toBe(1);
    const e = await expectTfdistillError(() => labelToId('eggs', ['ham', 'spam']), 'DATA_INVALID');
    expect(e.message).toBe("unknown label 'eggs' (known labels: ham, spam)");
  });

  it('parses cells into labels or reasons', () => {
    expect(parseLabel(' 12 ')).toEqual({ value: 12 });
    expect(parseLabel('012')).toEqual({ value: '012' });
    expect(parseLabel(' spam ')).toEqual({ value: 'spam' });
    expect(parseLabel('')).toEqual({ error: 'empty label' });
    expect(parseLabel(true)).toEqual({ error: 'label must be a string or an integer, got true' });
  });
});
