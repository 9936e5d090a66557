import type { DistillResult } from '../train/distill-options.js';

/** Prints the end-of-run summary of `train` / `train-teacher` to stdout. */
export function printDistillResult(result: DistillResult, opts: { role: 'student' | 'teacher' }): void {
  const m = result.best?.metrics;
  const pct = (v: number | undefined) => (v === undefined ? '-' : `${(v * 100).toFixed(2)}%`);
  if (result.interrupted) {
    console.log(`interrupted after ${result.steps} steps; the run can be resumed with --resume`);
    return;
  }
  console.log(`${opts.role} saved to ${result.checkpointDir}`);
  if (m) {
    const embedding = m.recallAt10 !== undefined;
    const parts = embedding
      ? [`recall@10 of the teacher's neighbours ${pct(m.recallAt10)}`, `Spearman ${m.spearman?.toFixed(3) ?? '-'}`]
      : [`accuracy ${pct(m.accuracy)}`, `macro-F1 ${pct(m.macroF1)}`];
    if (m.meanCosine !== undefined) parts.push(`mean cosine ${m.meanCosine.toFixed(3)}`);
    if (m.agreement !== undefined) parts.push(`teacher agreement ${pct(m.agreement)}`);
    console.log(`best (step ${result.best!.step}): ${parts.join(', ')}`);
  }
  console.log(
    `${result.steps} steps, ${result.throughput.samplesPerSec.toFixed(1)} samples/s, ` +
      `${result.throughput.tokensPerSec.toFixed(0)} tokens/s on ${result.throughput.backend}`,
  );
}
