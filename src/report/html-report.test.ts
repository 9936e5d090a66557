import { describe, expect, it } from 'vitest';
import { parseMetrics, renderReport } from './html-report.js';

const metrics = parseMetrics(
  [
    JSON.stringify({ kind: 'train', step: 1, loss: 2, soft: 1.5, hard: 0.7, lr: 1e-4 }),
    JSON.stringify({ kind: 'train', step: 2, loss: 1, soft: 0.8, hard: 0.5, lr: 2e-4 }),
    JSON.stringify({ kind: 'eval', step: 2, accuracy: 0.8, agreement: 0.9, teacherAccuracy: 0.85 }),
    '{"kind":"train","step":3,"lo', // cut by a crash
  ].join('\n'),
);

describe('renderReport', () => {
  it('parses metrics lines and skips a truncated one', () => {
    expect(metrics.map((m) => m.step)).toEqual([1, 2, 2]);
  });

  it('renders a self-contained, well-formed page with curves, tables and escaped text', () => {
    const html = renderReport({
      title: 'run <1>',
      metrics,
      comparison: [
        ['model', 'accuracy'],
        ['teacher', '0.90'],
        ['student', '0.88'],
      ],
      confusion: {
        labels: ['ham', 'spam'],
        matrix: [
          [5, 1],
          [0, 4],
        ],
      },
    });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('run &lt;1&gt;');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect((html.match(/<svg/g) ?? []).length).toBe(3);
    expect((html.match(/<polyline/g) ?? []).length).toBeGreaterThanOrEqual(5);
    expect(html).toContain('<td>student</td><td>0.88</td>');
    expect(html).toContain('<td>spam</td><td>0</td><td>4</td>');
    // every opened tag of these kinds is closed
    for (const tag of ['svg', 'table', 'tr', 'html', 'body']) {
      expect((html.match(new RegExp(`<${tag}[ >]`, 'g')) ?? []).length).toBe((html.match(new RegExp(`</${tag}>`, 'g')) ?? []).length);
    }
  });

  it('says "no data" for an empty chart instead of drawing NaN', () => {
    const html = renderReport({ title: 't', metrics: [] });
    expect(html).toContain('no data');
    expect(html).not.toContain('NaN');
  });
});
