/**
 * Switches for the SIMD paths inside the `BatchMatMul`/`_FusedMatMul` and `Transpose` overrides, so benchmarks can
 * measure what each buys (`bench/levers.ts`). All are on by default; with one off, that work takes the path it
 * would take without SIMD: matmuls go to XNNPACK after explicit transposes, dense layers and inference attention to
 * the composite tfjs ops, transposes to the rank-collapsing copy (or the stock kernel for ranks <= 4).
 *
 * @example
 * ```ts
 * simdSwitches.matmul = false; // measure the XNNPACK path
 * simdSwitches.matmul = true;
 * ```
 */
export const simdSwitches = {
  /** Float32 matmuls of rows % 4 == 0 and n % 8 == 0 through the SIMD matmul kernel. */
  matmul: true,
  /**
   * The SIMD matmul by relaxed SIMD's fused multiply-add where the engine accepts it (`useBackend('wasm',
   * { wasmRelaxedSimd: false })` turns it off). The helper thread of the threaded build keeps the choice it started with.
   */
  fma: true,
  /** Dense layers (`linear`) as one `TfdLinear` kernel, else `tf.fused.matMul` with its reshapes. */
  linear: true,
  /** Inference attention as one kernel (`attentionContext`), else the composite tfjs ops. */
  attention: true,
  /** Matrix transposes of 4-byte elements with both sizes % 4 == 0 through the SIMD tiles. */
  transpose: true,
  /**
   * Which int8 matmul int8 dense layers run: 'auto' (the default) the relaxed-SIMD 8-bit dot where the engine computes
   * it exactly and it is faster, else the standard-SIMD int16 one; 'relaxed' the relaxed one wherever it is exact;
   * 'int16' always the int16 one. Both give the same sums, so the choice changes speed, never results (`int8Form`).
   */
  int8: 'auto' as 'auto' | 'int16' | 'relaxed',
};
