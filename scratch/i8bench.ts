import wabtInit from 'wabt';
import { kernelsWat } from '../scripts/simd/kernels-wat.js';
const wabt = await wabtInit();
const features = { simd: true, threads: true } as any;
const m = wabt.parseWat('k.wat', kernelsWat('(memory 1)'), features); (m as any).validate(features);
const memory = new WebAssembly.Memory({ initial: 4096 });
const k = (await WebAssembly.instantiate(m.toBinary({}).buffer, { env: { memory } })).instance.exports as any;
let top = 1024;
const alloc = (bytes: number) => { const p = top; top += (bytes + 63) & ~63; return p; };
function pack(w: Int8Array, K: number, N: number): Int8Array {
  const out = new Int8Array(K * N);
  for (let p = 0; p < K; p++) for (let j = 0; j < N; j++) {
    const blk = j >> 3, h = (j >> 2) & 1, c = j & 3;
    out[blk * 8 * K + (p >> 1) * 16 + h * 8 + c * 2 + (p & 1)] = w[p * N + j];
  }
  return out;
}
function run(M: number, K: number, N: number) {
  top = 1024;
  const f32 = new Float32Array(memory.buffer);
  const x = alloc(M * K * 4), wf = alloc(K * N * 4), cf = alloc(M * N * 4), panelF = alloc(K * N * 4);
  const xq = alloc(M * K * 2), sa = alloc(M * 4), sb = alloc(N * 4), panel = alloc(K * N), c8 = alloc(M * N * 4), bias = alloc(N * 4);
  const X = new Float32Array(M * K).map(() => Math.random() * 2 - 1);
  const W = new Float32Array(K * N).map(() => Math.random() * 2 - 1);
  f32.set(X, x / 4); f32.set(W, wf / 4);
  const wq = new Int8Array(K * N); const t = new Float32Array(N);
  for (let j = 0; j < N; j++) { let mx = 0; for (let p = 0; p < K; p++) mx = Math.max(mx, Math.abs(W[p * N + j])); t[j] = mx / 127; for (let p = 0; p < K; p++) wq[p * N + j] = Math.round(W[p * N + j] / t[j]); }
  new Int8Array(memory.buffer).set(pack(wq, K, N), panel); f32.set(t, sb / 4); f32.set(new Float32Array(N), bias / 4);
  const float = () => k.matmul(x, wf, cf, panelF, 1, M, K, N, 0, 0, K, N, N, 0, 0, 0);
  const int8 = () => { k.quantizeRows(x, xq, sa, M, K); k.matmulInt8(xq, panel, sa, sb, 0, c8, M, K, N); };
  const time = (fn: () => void) => { for (let i = 0; i < 5; i++) fn(); const ts = []; for (let r = 0; r < 15; r++) { const t0 = performance.now(); for (let i = 0; i < 5; i++) fn(); ts.push((performance.now() - t0) / 5); } ts.sort((a, b) => a - b); return ts[7]; };
  const tf_ = time(float), ti = time(int8);
  // error
  const F = new Float32Array(memory.buffer, cf, M * N), I = new Float32Array(memory.buffer, c8, M * N);
  let err = 0, ref = 0; for (let i = 0; i < M * N; i++) { err = Math.max(err, Math.abs(F[i] - I[i])); ref = Math.max(ref, Math.abs(F[i])); }
  console.log(`${M}x${K}x${N}: float ${tf_.toFixed(3)} ms (${(2*M*K*N/tf_/1e6).toFixed(1)} GFLOP/s), int8 ${ti.toFixed(3)} ms, speedup ${(tf_/ti).toFixed(2)}x, max err ${(err/ref).toExponential(2)} rel`);
}
for (const M of [128, 4096]) for (const [K, N] of [[128, 384], [128, 128], [128, 512], [512, 128], [64, 64]]) run(M, K, N);
