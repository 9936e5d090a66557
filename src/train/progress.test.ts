import { describe, expect, it } from 'vitest';
import { formatDuration, ProgressReporter } from './progress.js';

function collector(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, write: (s: string) => chunks.push(s) } };
}

describe('ProgressReporter', () => {
  it('prints plain lines every logEvery steps with rate and ETA when not a TTY', () => {
    const { chunks, stream } = collector(false);
    let t = 0;
    const p = new ProgressReporter({ stream, totalSteps: 10, totalEpochs: 2, logEvery: 4, now: () => t });
    for (let step = 1; step <= 10; step++) {
      p.update({ epoch: step <= 5 ? 1 : 2, step, samples: 8, loss: step === 3 ? undefined : 1 / step, lr: 1e-3 });
      t += 500; // 0.5 s per step, 8 samples -> 16 samples/s
    }
    p.finish();
    expect(chunks).toHaveLength(3); // steps 4, 8 and the last
    expect(chunks.every((c) => c.endsWith('\n') && !c.includes('\r'))).toBe(true);
    // step 4 is drawn at t = 1.5 s: 3 steps after the first, 24 samples -> 16/s; 6 steps left at 0.5 s each.
    expect(chunks[0]).toBe('epoch 1/2 step 4/10 40% loss 0.2500 lr 1.00e-3 16.0 samples/s ETA 3s\n');
    expect(chunks[2]).toBe('epoch 2/2 step 10/10 100% loss 0.1000 lr 1.00e-3 16.0 samples/s ETA 0s\n');
  });

  it('redraws one line with \\r at most every minRedrawMs on a TTY and ends it on finish', () => {
    const { chunks, stream } = collector(true);
    let t = 0;
    const p = new ProgressReporter({ stream, totalSteps: 100, now: () => t });
    for (let step = 1; step <= 100; step++) {
      p.update({ epoch: 1, step, samples: 4, loss: 0.5 });
      t += 20; // 50 steps/s: only every 5th step may redraw at 10 redraws/s
    }
    expect(chunks.length).toBeGreaterThanOrEqual(19);
    expect(chunks.length).toBeLessThanOrEqual(21);
    expect(chunks.every((c) => c.startsWith('\r'))).toBe(true);
    expect(chunks.at(-1)).toContain('step 100/100 [====================] 100%');
    p.log('eval accuracy 0.9');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's erase-line sequence is what is tested
    expect(chunks.at(-1)).toMatch(/^\r\x1b\[Keval accuracy 0\.9\n.*step 100\/100/);
    p.finish();
    expect(chunks.at(-1)!.endsWith('\n')).toBe(true);
  });

  it('measures rate and ETA from the resumed step, not from step 0', () => {
    const { chunks, stream } = collector(false);
    let t = 0;
    const p = new ProgressReporter({ stream, totalSteps: 1000, logEvery: 1, now: () => t });
    p.update({ epoch: 3, step: 901, samples: 10 });
    t = 1000;
    p.update({ epoch: 3, step: 902, samples: 10 });
    expect(chunks[0]).toBe('epoch 3 step 901/1000 90%\n');
    expect(chunks[1]).toBe('epoch 3 step 902/1000 90% 10.0 samples/s ETA 1m38s\n');
  });

  it('formats durations', () => {
    expect(formatDuration(9.4)).toBe('9s');
    expect(formatDuration(192)).toBe('3m12s');
    expect(formatDuration(3725)).toBe('1h02m');
    expect(() => new ProgressReporter({ stream: collector(false).stream, totalSteps: 0 })).toThrow(/totalSteps/);
  });
});
