/**
 * A fixed-range histogram of activation values, for percentile calibration (TensorRT-style: a first pass finds
 * min/max, a second pass fills `bins` equal-width bins over [min, max]).
 *
 * @example
 * ```ts
 * const h = new ActivationHistogram({ min: -2, max: 5, bins: 2048 });
 * h.add(values);
 * const { lo, hi } = h.range(99.9); // clips the 0.1% lowest and the 0.1% highest values
 * ```
 */
export class ActivationHistogram {
  readonly min: number;
  readonly max: number;
  readonly counts: Float64Array;
  /** Values added so far. */
  total = 0;

  constructor(opts: { min: number; max: number; bins: number }) {
    this.min = opts.min;
    this.max = opts.max;
    this.counts = new Float64Array(opts.bins);
  }

  /** Width of one bin (0 when every value was the same). */
  get binWidth(): number {
    return (this.max - this.min) / this.counts.length;
  }

  /** Counts `values` (values outside [min, max] go to the edge bins). */
  add(values: ArrayLike<number>): void {
    const bins = this.counts.length;
    const width = this.binWidth;
    for (let i = 0; i < values.length; i++) {
      const b = width > 0 ? Math.floor((values[i] - this.min) / width) : 0;
      this.counts[b < 0 ? 0 : b >= bins ? bins - 1 : b]++;
    }
    this.total += values.length;
  }

  /**
   * The central range holding at least `percentile`% of the values on each side: `hi` is the upper edge of the
   * bin where the cumulative count first reaches `percentile`% and `lo` the lower edge of the bin where the count
   * from the top first reaches it, so at most (100 - percentile)% of the values lie above `hi` (and below `lo`),
   * and the range is at most one bin wider than the exact percentiles.
   */
  range(percentile: number): { lo: number; hi: number } {
    if (percentile >= 100 || this.total === 0 || this.binWidth === 0) return { lo: this.min, hi: this.max };
    const need = (percentile / 100) * this.total;
    const bins = this.counts.length;
    let hiBin = bins - 1;
    for (let b = 0, seen = 0; b < bins; b++) {
      seen += this.counts[b];
      if (seen >= need) {
        hiBin = b;
        break;
      }
    }
    let loBin = 0;
    for (let b = bins - 1, seen = 0; b >= 0; b--) {
      seen += this.counts[b];
      if (seen >= need) {
        loBin = b;
        break;
      }
    }
    return { lo: this.min + loBin * this.binWidth, hi: Math.min(this.max, this.min + (hiBin + 1) * this.binWidth) };
  }
}
