/**
 * Runs the PyTorch peer benchmark (`bench/peer/torch_kd.py`, same workload) after the TF.js figures, never alongside
 * them (2 cores), and converts its JSON line into {@link Figures} units.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { workload } from './workload.js';

/** The peer scripts shipped with the bench (`bench/peer/`, see its README). */
export const PEER_DIR = fileURLToPath(new URL('./peer/', import.meta.url));

/**
 * The PyTorch peer script to run: `$TFDISTILL_TORCH_PEER` when set (e.g. a modified copy), else `bench/peer/torch_kd.py`.
 *
 * @example
 * ```ts
 * const torch = runTorchPeer({ script: torchPeerScript(), python: '/usr/bin/python3' });
 * ```
 */
export function torchPeerScript(): string {
  return process.env.TFDISTILL_TORCH_PEER ?? path.join(PEER_DIR, 'torch_kd.py');
}

/**
 * PyTorch's figures, or why they are missing.
 *
 * @example
 * ```ts
 * const torch = runTorchPeer({ script: 'bench/peer/torch_kd.py', python: '/usr/bin/python3' });
 * ```
 */
export type TorchFigures =
  | {
      ok: true;
      kdStepSamplesPerSec: number;
      cachedKdStepSamplesPerSec: number;
      teacherForwardSamplesPerSec: number;
      studentLatencyMsB1: number;
      studentLatencyMsB32: number;
      threads: number;
      torch: string;
      blas: string[];
      /** Set when torch loaded a slow reference BLAS: its figures then understate PyTorch by ~30x. */
      warning?: string;
    }
  | { ok: false; reason: string };

/**
 * Runs the peer script in its own directory (it imports `flops.py` and `peer_model.py` from there) and parses its last line.
 *
 * @example
 * ```ts
 * const t = runTorchPeer({ script, python: '/usr/bin/python3' });
 * if (t.ok) console.log(t.kdStepSamplesPerSec);
 * ```
 */
export function runTorchPeer(o: { script: string; python: string; log?: (m: string) => void }): TorchFigures {
  o.log?.('PyTorch peer ...');
  if (!existsSync(o.script)) return { ok: false, reason: `${o.script} not found` };
  if (!existsSync(o.python)) return { ok: false, reason: `${o.python} not found` };
  try {
    const out = execFileSync(o.python, ['-B', path.basename(o.script)], {
      cwd: path.dirname(o.script),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const r = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Record<string, number | string | string[]>;
    const num = (k: string) => Number(r[k]);
    return {
      ok: true,
      kdStepSamplesPerSec: workload.batch / num('kd_step_s'),
      cachedKdStepSamplesPerSec: workload.batch / num('kd_cached_step_s'),
      teacherForwardSamplesPerSec: workload.batch / num('teacher_fwd_b32_s'),
      studentLatencyMsB1: num('student_fwd_b1_s') * 1000,
      studentLatencyMsB32: num('student_fwd_b32_s') * 1000,
      threads: num('threads'),
      torch: String(r.torch),
      blas: Array.isArray(r.blas) ? r.blas.map(String) : [],
      ...(slowBlas(r.blas)
        ? {
            warning:
              `torch loaded the reference BLAS (${String(r.blas)}), not OpenBLAS: ` +
              'apt-get install -y libopenblas0-pthread for a fair comparison',
          }
        : {}),
    };
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  }
}

/** Debian's python3-torch uses whatever libblas.so.3 points at; only OpenBLAS (or MKL) gives PyTorch its real speed. */
function slowBlas(blas: unknown): boolean {
  return !Array.isArray(blas) || !blas.some((b) => /openblas|mkl/i.test(String(b)));
}
