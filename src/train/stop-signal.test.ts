import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { resumeMessage, StopSignal } from './stop-signal.js';

function fakes() {
  const source = new EventEmitter();
  const out: string[] = [];
  const exits: number[] = [];
  return { source, out, exits, options: { source, stream: { write: (s: string) => out.push(s) }, exit: (c: number) => exits.push(c) } };
}

describe('StopSignal', () => {
  it('records a programmatic request once and aborts its AbortSignal', () => {
    const stop = new StopSignal(fakes().options);
    expect(stop.requested).toBe(false);
    expect(stop.signal.aborted).toBe(false);
    stop.request('time budget');
    stop.request('later reason');
    expect(stop.requested).toBe(true);
    expect(stop.reason).toBe('time budget');
    expect(stop.signal.aborted).toBe(true);
    stop.dispose();
  });

  it('first signal asks for a graceful stop, the second exits immediately', () => {
    const f = fakes();
    const stop = new StopSignal(f.options);
    f.source.emit('SIGINT');
    expect(stop.requested).toBe(true);
    expect(stop.reason).toBe('SIGINT');
    expect(f.exits).toEqual([]);
    expect(f.out.join('')).toMatch(/stopping after the current step/);
    f.source.emit('SIGTERM');
    expect(f.exits).toEqual([143]);
    stop.dispose();
  });

  it('removes its listeners on dispose (also from the real process)', () => {
    const f = fakes();
    const stop = new StopSignal(f.options);
    expect(f.source.listenerCount('SIGINT')).toBe(1);
    expect(f.source.listenerCount('SIGTERM')).toBe(1);
    stop.dispose();
    expect(f.source.listenerCount('SIGINT')).toBe(0);
    expect(f.source.listenerCount('SIGTERM')).toBe(0);
    f.source.emit('SIGINT');
    expect(stop.requested).toBe(false);

    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const real = new StopSignal({ stream: { write: () => true }, exit: () => undefined });
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual([before[0] + 1, before[1] + 1]);
    real.dispose();
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
  });

  it('tells the user how to resume', () => {
    expect(resumeMessage({ step: 1200, checkpointDir: 'out/ckpt' })).toBe(
      'Stopped at step 1200; checkpoint saved in out/ckpt.\nResume with: tfdistill distill --resume out/ckpt',
    );
    expect(resumeMessage({ step: 3, checkpointDir: 'x', command: 'node train.js --resume x' })).toMatch(/Resume with: node train.js/);
  });
});
