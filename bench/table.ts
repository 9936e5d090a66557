/**
 * The bench's printed table: one row per figure, one column per contender, plus tfdistill / PyTorch.
 */
import type { OnnxTeacherFigures } from './onnx-teacher.js';
import type { Figures } from './workload.js';
import type { TorchFigures } from './torch-peer.js';

type Row = { label: string; key: keyof Figures; unit: string; higherIsBetter: boolean };
const rows: Row[] = [
  { label: '(a) KD step, live teacher', key: 'kdStepSamplesPerSec', unit: 'samples/s', higherIsBetter: true },
  { label: '(b) KD step, cached teacher', key: 'cachedKdStepSamplesPerSec', unit: 'samples/s', higherIsBetter: true },
  { label: '(c) teacher forward b32', key: 'teacherForwardSamplesPerSec', unit: 'samples/s', higherIsBetter: true },
  { label: '(d) student latency b1', key: 'studentLatencyMsB1', unit: 'ms', higherIsBetter: false },
  { label: '(d) student latency b32', key: 'studentLatencyMsB32', unit: 'ms', higherIsBetter: false },
  { label: '(e) numTensors flat', key: 'numTensorsFlat', unit: '', higherIsBetter: true },
  { label: '(f) peak RSS', key: 'peakRssMB', unit: 'MB', higherIsBetter: false },
];

/** The end-to-end job of the performance issue: 3 epochs over 10,000 examples. */
export const JOB = { epochs: 3, examples: 10_000 };

/**
 * Seconds for {@link JOB} with the teacher cache, projected from the measured per-step rates: one teacher forward
 * pass over the examples, then every epoch at the cached-step rate.
 *
 * @example
 * ```ts
 * jobSeconds({ cachedKdStepSamplesPerSec: 43, teacherForwardSamplesPerSec: 28 }); // 1055
 * ```
 */
export function jobSeconds(f: { cachedKdStepSamplesPerSec: number; teacherForwardSamplesPerSec: number }): number {
  return JOB.examples / f.teacherForwardSamplesPerSec + (JOB.epochs * JOB.examples) / f.cachedKdStepSamplesPerSec;
}

const cell = (v: unknown): string => (typeof v === 'number' ? (v >= 100 ? v.toFixed(0) : v.toFixed(2)) : String(v ?? '-'));

/**
 * Prints the comparison as a Markdown table (pasteable into the README's Performance section).
 *
 * @example
 * ```ts
 * printTable({ ...tfdistillFigures, baseline, stockKernelBaseline, pytorch, onnxTeacher });
 * ```
 */
export function printTable(
  r: Figures & {
    replicas: number;
    singleReplica?: Figures;
    baseline: Figures;
    stockKernelBaseline?: Figures;
    pytorch: TorchFigures;
    onnxTeacher?: OnnxTeacherFigures;
  },
): void {
  const torch = r.pytorch.ok ? r.pytorch : undefined;
  const onnx = r.onnxTeacher?.ok ? r.onnxTeacher : undefined;
  const single = r.singleReplica;
  const lines = [
    `| figure | unit | tfdistill${r.replicas > 1 ? ` (${r.replicas} replicas)` : ''} | ${single ? 'tfdistill, 1 replica | ' : ''}` +
      'hand-written TF.js (same kernels) | hand-written, stock wasm kernels | PyTorch | tfdistill / PyTorch |',
    `|---|---|---|${single ? '---|' : ''}---|---|---|---|`,
  ];
  for (const row of rows) {
    const ours = r[row.key];
    const theirs = torch && row.key in torch ? (torch as unknown as Record<string, number>)[row.key] : undefined;
    const ratio = typeof ours === 'number' && theirs !== undefined ? (row.higherIsBetter ? ours / theirs : theirs / ours) : undefined;
    lines.push(
      `| ${row.label} | ${row.unit} | ${cell(ours)} | ${single ? `${cell(single[row.key])} | ` : ''}${cell(r.baseline[row.key])} | ${cell(r.stockKernelBaseline?.[row.key])} | ${cell(theirs)} | ${ratio === undefined ? '-' : `${ratio.toFixed(2)}x`} |`,
    );
    if (row.key === 'teacherForwardSamplesPerSec' && onnx) {
      // tfdistill's ONNX teacher (the peer's torch teacher exported): the hand-written contenders have no such row.
      const ortRatio = torch ? `${(onnx.teacherForwardSamplesPerSec / torch.teacherForwardSamplesPerSec).toFixed(2)}x` : '-';
      lines.push(
        `| (c) teacher forward b32, ONNX Runtime (${onnx.threads} threads) | samples/s | ${cell(onnx.teacherForwardSamplesPerSec)} | ` +
          `${single ? '- | ' : ''}- | - | ${cell(theirs)} | ${ortRatio} |`,
      );
    }
  }
  const job = (f: { cachedKdStepSamplesPerSec: number; teacherForwardSamplesPerSec: number }) => jobSeconds(f);
  const torchJob = torch ? (JOB.epochs * JOB.examples) / torch.kdStepSamplesPerSec : undefined;
  lines.push(
    `| (g) ${JOB.epochs} epochs x ${JOB.examples.toLocaleString('en-US')} examples, projected | s | ${cell(job(r))} | ` +
      `${single ? `${cell(job(single))} | ` : ''}${cell(job(r.baseline))} | ` +
      `${cell(r.stockKernelBaseline && job(r.stockKernelBaseline))} | ${cell(torchJob)} | ${torchJob === undefined ? '-' : `${(torchJob / job(r)).toFixed(2)}x`} |`,
  );
  console.log(lines.join('\n'));
  console.log(
    `(g) = one teacher pass to fill the cache + ${JOB.epochs} cached epochs for TF.js; PyTorch runs the teacher every step, its usual loop.`,
  );
  if (onnx) {
    console.log(
      `ONNX teacher = the PyTorch peer's teacher exported to ONNX (bench/peer/export_teacher_onnx.py), run by tfdistill's ` +
        `loadOnnxTeacher (onnxruntime-node ${onnx.ort}, ${onnx.threads} threads, worker thread): batch 1 ${onnx.teacherLatencyMsB1.toFixed(2)} ms; ` +
        `logits within ${onnx.maxAbsDiffVsTorch.toExponential(1)} of torch's; (g) with it filling the cache ` +
        `${cell(jobSeconds({ ...r, teacherForwardSamplesPerSec: onnx.teacherForwardSamplesPerSec }))} s.`,
    );
  } else if (r.onnxTeacher && !r.onnxTeacher.ok) console.log(`ONNX teacher not run: ${r.onnxTeacher.reason}`);
  if (!r.pytorch.ok) console.log(`PyTorch peer not run: ${r.pytorch.reason}`);
  else if (r.pytorch.warning) console.log(`WARNING: ${r.pytorch.warning}`);
}
