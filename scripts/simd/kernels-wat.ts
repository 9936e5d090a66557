/**
 * The source of tfdistill's wasm SIMD kernels: builds their WebAssembly text. The kernels run inside
 * tfjs-backend-wasm's own memory (imported), so they read and write tensors in place through the byte offsets the
 * backend hands out. Expressions are built by small helpers (`splat`, `horner`) and each kernel's loop body is
 * written out inline: V8 does not inline wasm calls, and a call per four lanes costs ~1.6x.
 *
 * Exact GELU, x * Phi(x), with Phi(x) = (1 + erf(x / sqrt 2)) / 2, and its derivative Phi(x) + x * phi(x) with
 * phi(x) = exp(-x^2 / 2) / sqrt(2 pi):
 *  - erf: Eigen's rational approximation (generic_fast_erf_float, the one XNNPACK and TensorFlow use), an odd
 *    degree-13 over an even degree-8 polynomial of z clamped to [-4, 4] (erf(+-4) is +-1 in float32); error ~1e-7.
 *  - exp (of t <= 0): Cephes' expf, 2^n p(r) with r = t - n ln 2 (ln 2 in two parts) and a degree-6 polynomial;
 *    n is rounded by adding 1.5 * 2^23 + 127, whose low mantissa bits then hold n + 127, the exponent of 2^n.
 * Each kernel runs four lanes at a time; a tail of fewer than four elements goes through the same expression one
 * lane at a time (splat in, lane 0 out).
 *
 * Row kernels, over [rows, d] float32 with d a multiple of 4 (the callers check):
 *  - `sumRows`: out[j] = sum over rows of x[row, j], accumulated in float32 row by row (the stock Sum's order).
 *  - `layerNorm` / `layerNormGrad`: as the JS kernels of `layer-norm.ts` (two-pass mean and variance per row;
 *    dgamma and dbeta accumulated in float64 across rows, in a scratch buffer of 2d doubles the caller passes).
 *  - `transpose`: [batch, rows, cols] -> [batch, cols, rows] of 4-byte elements, rows and cols multiples of 4, in
 *    4x4 tiles (four loads, eight shuffles, four stores), walking the input row-block by row-block.
 */

import { adamw } from './adamw-wat.js';
import { matmulInt8, matmulInt8Relaxed, quantizeRows, quantizeRowsInt8 } from './int8-wat.js';
import { add, get, loop, mul, set, splat, sub, zero } from './wat.js';

/** c[0] x^(k-1) + ... + c[k-1] by Horner's rule. */
const horner = (x: string, c: number[]): string => c.slice(1).reduce((acc, ck) => add(mul(x, acc), splat(ck)), splat(c[0]));

/** Eigen's erf coefficients: numerator alpha_13 ... alpha_1 (odd), denominator beta_8 ... beta_0 (even). */
const erfNumerator = [
  -2.72614225801306e-10, 2.77068142495902e-8, -2.10102402082508e-6, -5.69250639462346e-5, -7.34990630326855e-4, -2.95459980854025e-3,
  -1.60960333262415e-2,
];
const erfDenominator = [-1.45660718464996e-5, -2.13374055278905e-4, -1.68282697438203e-3, -7.37332916720468e-3, -1.42647390514189e-2];
/** Cephes expf polynomial, highest degree first. */
const expPolynomial = [1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];

/**
 * Statements leaving Phi(x) in local `out` (uses locals z, z2). pmin/pmax keep a NaN x as NaN (it is their first
 * operand).
 */
const cdf = (x: string, out: string): string[] => [
  set('z', `(f32x4.pmax (f32x4.pmin ${mul(x, splat(Math.SQRT1_2))} ${splat(4)}) ${splat(-4)})`),
  set('z2', mul(get('z'), get('z'))),
  set(
    out,
    add(mul(`(f32x4.div ${mul(get('z'), horner(get('z2'), erfNumerator))} ${horner(get('z2'), erfDenominator)})`, splat(0.5)), splat(0.5)),
  ),
];

/**
 * Statements leaving exp(t) in local `out` for t <= 0 (t below -87.3 gives ~1e-38; uses locals t, j, n, r, each
 * name with `prefix` in front).
 */
const expNonPositive = (t: string, out: string, prefix = ''): string[] => {
  const magic = 12582912 + 127; // 1.5 * 2^23 + exponent bias
  const [tc, j, n, r] = ['t', 'j', 'n', 'r'].map((l) => prefix + l);
  return [
    set(tc, `(f32x4.pmax ${t} ${splat(-87.3)})`),
    set(j, add(mul(get(tc), splat(Math.LOG2E)), splat(magic))), // round(t log2 e) + magic
    set(n, sub(get(j), splat(magic))),
    set(r, sub(sub(get(tc), mul(get(n), splat(0.693359375))), mul(get(n), splat(-2.1219444e-4)))),
    set(
      out,
      mul(add(add(mul(mul(horner(get(r), expPolynomial), get(r)), get(r)), get(r)), splat(1)), `(i32x4.shl ${get(j)} (i32.const 23))`),
    ),
  ];
};

/** One elementwise kernel: `inputs` and `output` are byte-offset params, `body` maps loaded input vectors to the output vector's statements. */
interface Elementwise {
  name: string;
  inputs: string[];
  output: string;
  /** Locals the body uses besides the loaded inputs (`in_<name>`) and `result`. */
  locals: string[];
  /** Statements computing local `result` from locals `in_<input>`. */
  body: string[];
}

/** The exported function: a four-lane loop, then a one-lane loop over the tail. */
function elementwise(k: Elementwise): string {
  const pointers = [...k.inputs, k.output];
  const params = [...pointers.map((p) => `(param $${p} i32)`), '(param $count i32)'].join(' ');
  const locals = ['end', 'last']
    .map((l) => `(local $${l} i32)`)
    .concat([...k.inputs.map((i) => `in_${i}`), 'result', ...k.locals].map((l) => `(local $${l} v128)`))
    .join(' ');
  const advance = (bytes: number) => pointers.map((p) => set(p, `(i32.add ${get(p)} (i32.const ${bytes}))`)).join('\n      ');
  const first = k.inputs[0];
  return `(func (export "${k.name}") ${params}
    ${locals}
    ${set('end', `(i32.add ${get(first)} (i32.shl ${get('count')} (i32.const 2)))`)}
    ${set('last', `(i32.sub ${get('end')} (i32.const 16))`)}
    (block $done4 (loop $four
      (br_if $done4 (i32.gt_u ${get(first)} ${get('last')}))
      ${k.inputs.map((i) => set(`in_${i}`, `(v128.load ${get(i)})`)).join('\n      ')}
      ${k.body.join('\n      ')}
      (v128.store ${get(k.output)} ${get('result')})
      ${advance(16)}
      (br $four)))
    (block $done1 (loop $one
      (br_if $done1 (i32.ge_u ${get(first)} ${get('end')}))
      ${k.inputs.map((i) => set(`in_${i}`, `(f32x4.splat (f32.load ${get(i)}))`)).join('\n      ')}
      ${k.body.join('\n      ')}
      (f32.store ${get(k.output)} (f32x4.extract_lane 0 ${get('result')}))
      ${advance(4)}
      (br $one))))`;
}

const gelu: Elementwise = {
  name: 'gelu',
  inputs: ['x'],
  output: 'y',
  locals: ['z', 'z2', 'cdf'],
  body: [...cdf(get('in_x'), 'cdf'), set('result', mul(get('in_x'), get('cdf')))],
};

const geluGrad: Elementwise = {
  name: 'geluGrad',
  inputs: ['x', 'dy'],
  output: 'dx',
  locals: ['z', 'z2', 'cdf', 't', 'j', 'n', 'r', 'e'],
  body: [
    ...cdf(get('in_x'), 'cdf'),
    ...expNonPositive(mul(mul(get('in_x'), get('in_x')), splat(-0.5)), 'e'),
    // dy * (Phi + x * exp(-x^2/2) / sqrt(2 pi))
    set('result', mul(get('in_dy'), add(get('cdf'), mul(get('in_x'), mul(get('e'), splat(1 / Math.sqrt(2 * Math.PI))))))),
  ],
};

/** A loop over `j` = 0, 16, ... < `end` bytes (one row of d floats, four at a time); `body` uses `get('j')`. */
const overRow = (label: string, end: string, body: string[]): string => `${set('j', '(i32.const 0)')}
      (block $${label}_done (loop $${label}
        (br_if $${label}_done (i32.ge_u ${get('j')} ${end}))
        ${body.join('\n        ')}
        ${set('j', `(i32.add ${get('j')} (i32.const 16))`)}
        (br $${label})))`;
/** A loop over `rows` rows: `body`, then every pointer in `advance` moves by its byte stride. */
const overRows = (body: string[], advance: [string, string][]): string => `${set('r', '(i32.const 0)')}
    (block $rows_done (loop $rows
      (br_if $rows_done (i32.ge_u ${get('r')} ${get('rows')}))
      ${body.join('\n      ')}
      ${advance.map(([p, by]) => set(p, `(i32.add ${get(p)} ${by})`)).join('\n      ')}
      ${set('r', `(i32.add ${get('r')} (i32.const 1))`)}
      (br $rows)))`;
const load = (base: string): string => `(v128.load (i32.add ${get(base)} ${get('j')}))`;
const store = (base: string, value: string): string => `(v128.store (i32.add ${get(base)} ${get('j')}) ${value})`;
/** The sum of a v128's four float32 lanes. */
const lanesSum = (v: string): string => `(f32.add (f32.add (f32x4.extract_lane 0 ${v}) (f32x4.extract_lane 1 ${v}))
        (f32.add (f32x4.extract_lane 2 ${v}) (f32x4.extract_lane 3 ${v})))`;
/** acc64[j..j+3] += the four float32 lanes of v, in float64 (acc64 is a byte offset; j counts float32 bytes). */
const addToDoubles = (acc64: string, v: string): string[] => {
  const at = (half: number) => `(i32.add ${get(acc64)} (i32.add (i32.shl ${get('j')} (i32.const 1)) (i32.const ${half * 16})))`;
  const high = `(i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 ${v} ${v})`;
  return [
    `(v128.store ${at(0)} (f64x2.add (v128.load ${at(0)}) (f64x2.promote_low_f32x4 ${v})))`,
    `(v128.store ${at(1)} (f64x2.add (v128.load ${at(1)}) (f64x2.promote_low_f32x4 ${high})))`,
  ];
};

const sumRows = `(func (export "sumRows") (param $x i32) (param $out i32) (param $rows i32) (param $d i32)
    (local $r i32) (local $j i32) (local $bytes i32)
    ${set('bytes', `(i32.shl ${get('d')} (i32.const 2))`)}
    ${overRow('clear', get('bytes'), [store('out', zero)])}
    ${overRows([overRow('cols', get('bytes'), [store('out', `(f32x4.add ${load('out')} ${load('x')})`)])], [['x', get('bytes')]])})`;

const layerNorm = `(func (export "layerNorm") (param $x i32) (param $gamma i32) (param $beta i32) (param $y i32)
      (param $mean i32) (param $rstd i32) (param $rows i32) (param $d i32) (param $epsilon f32)
    (local $r i32) (local $j i32) (local $bytes i32) (local $dF f32) (local $m f32) (local $s f32)
    (local $acc v128) (local $mv v128) (local $sv v128) (local $c v128)
    ${set('bytes', `(i32.shl ${get('d')} (i32.const 2))`)}
    ${set('dF', `(f32.convert_i32_u ${get('d')})`)}
    ${overRows(
      [
        set('acc', zero),
        overRow('sum', get('bytes'), [set('acc', add(get('acc'), load('x')))]),
        set('m', `(f32.div ${lanesSum(get('acc'))} ${get('dF')})`),
        set('mv', `(f32x4.splat ${get('m')})`),
        set('acc', zero),
        overRow('var', get('bytes'), [set('c', sub(load('x'), get('mv'))), set('acc', add(get('acc'), mul(get('c'), get('c'))))]),
        set('s', `(f32.div (f32.const 1) (f32.sqrt (f32.add (f32.div ${lanesSum(get('acc'))} ${get('dF')}) ${get('epsilon')})))`),
        set('sv', `(f32x4.splat ${get('s')})`),
        overRow('out', get('bytes'), [store('y', add(mul(mul(sub(load('x'), get('mv')), get('sv')), load('gamma')), load('beta')))]),
        `(f32.store ${get('mean')} ${get('m')})`,
        `(f32.store ${get('rstd')} ${get('s')})`,
      ],
      [
        ['x', get('bytes')],
        ['y', get('bytes')],
        ['mean', '(i32.const 4)'],
        ['rstd', '(i32.const 4)'],
      ],
    )})`;

const layerNormGrad = `(func (export "layerNormGrad") (param $dy i32) (param $x i32) (param $gamma i32) (param $mean i32)
      (param $rstd i32) (param $dx i32) (param $dgamma i32) (param $dbeta i32) (param $acc64 i32) (param $rows i32) (param $d i32)
    (local $r i32) (local $j i32) (local $bytes i32) (local $dF f32) (local $dbeta64 i32)
    (local $mv v128) (local $sv v128) (local $xh v128) (local $g v128) (local $dyv v128) (local $sumG v128) (local $sumGX v128)
    ${set('bytes', `(i32.shl ${get('d')} (i32.const 2))`)}
    ${set('dF', `(f32.convert_i32_u ${get('d')})`)}
    ${set('dbeta64', `(i32.add ${get('acc64')} (i32.shl ${get('bytes')} (i32.const 1)))`)}
    ${overRow('clear', get('bytes'), [
      `(v128.store (i32.add ${get('acc64')} (i32.shl ${get('j')} (i32.const 1))) ${zero})`,
      `(v128.store (i32.add ${get('acc64')} (i32.add (i32.shl ${get('j')} (i32.const 1)) (i32.const 16))) ${zero})`,
      `(v128.store (i32.add ${get('dbeta64')} (i32.shl ${get('j')} (i32.const 1))) ${zero})`,
      `(v128.store (i32.add ${get('dbeta64')} (i32.add (i32.shl ${get('j')} (i32.const 1)) (i32.const 16))) ${zero})`,
    ])}
    ${overRows(
      [
        set('mv', `(v128.load32_splat ${get('mean')})`),
        set('sv', `(v128.load32_splat ${get('rstd')})`),
        set('sumG', zero),
        set('sumGX', zero),
        overRow('sums', get('bytes'), [
          set('dyv', load('dy')),
          set('xh', mul(sub(load('x'), get('mv')), get('sv'))),
          set('g', mul(get('dyv'), load('gamma'))),
          set('sumG', add(get('sumG'), get('g'))),
          set('sumGX', add(get('sumGX'), mul(get('g'), get('xh')))),
          ...addToDoubles('acc64', mul(get('dyv'), get('xh'))),
          ...addToDoubles('dbeta64', get('dyv')),
        ]),
        set('sumG', `(f32x4.splat (f32.div ${lanesSum(get('sumG'))} ${get('dF')}))`),
        set('sumGX', `(f32x4.splat (f32.div ${lanesSum(get('sumGX'))} ${get('dF')}))`),
        // dx = rstd * (dy * gamma - mean(g) - xhat * mean(g * xhat))
        overRow('dx', get('bytes'), [
          set('xh', mul(sub(load('x'), get('mv')), get('sv'))),
          store('dx', mul(get('sv'), sub(sub(mul(load('dy'), load('gamma')), get('sumG')), mul(get('xh'), get('sumGX'))))),
        ]),
      ],
      [
        ['dy', get('bytes')],
        ['x', get('bytes')],
        ['dx', get('bytes')],
        ['mean', '(i32.const 4)'],
        ['rstd', '(i32.const 4)'],
      ],
    )}
    ${overRow('out', get('bytes'), [store('dgamma', demote('acc64')), store('dbeta', demote('dbeta64'))])})`;

/** Four float64s at acc64 + 2j as a float32x4. */
function demote(acc64: string): string {
  const half = (h: number) =>
    `(f32x4.demote_f64x2_zero (v128.load (i32.add ${get(acc64)} (i32.add (i32.shl ${get('j')} (i32.const 1)) (i32.const ${h * 16})))))`;
  return `(i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 ${half(0)} ${half(1)})`;
}

/** A shuffle of 32-bit lanes: `lanes` index the eight lanes of a then b. */
const shuffle32 = (a: string, b: string, lanes: number[]): string =>
  `(i8x16.shuffle ${lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]).join(' ')} ${a} ${b})`;

const transpose = `(func (export "transpose") (param $x i32) (param $y i32) (param $batch i32) (param $rows i32) (param $cols i32)
    (local $b i32) (local $i i32) (local $j i32) (local $inRow i32) (local $outRow i32) (local $src i32) (local $dst i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    ${set('inRow', `(i32.shl ${get('cols')} (i32.const 2))`)}
    ${set('outRow', `(i32.shl ${get('rows')} (i32.const 2))`)}
    ${set('b', '(i32.const 0)')}
    (block $batches_done (loop $batches
      (br_if $batches_done (i32.ge_u ${get('b')} ${get('batch')}))
      ${set('i', '(i32.const 0)')}
      (block $blocks_done (loop $blocks
        (br_if $blocks_done (i32.ge_u ${get('i')} ${get('rows')}))
        ;; tiles of input rows i..i+3: src walks along them, dst down output rows j..j+3 at column i
        ${set('src', `(i32.add ${get('x')} (i32.mul ${get('i')} ${get('inRow')}))`)}
        ${set('dst', `(i32.add ${get('y')} (i32.shl ${get('i')} (i32.const 2)))`)}
        ${set('j', '(i32.const 0)')}
        (block $tiles_done (loop $tiles
          (br_if $tiles_done (i32.ge_u ${get('j')} ${get('cols')}))
          ${[0, 1, 2, 3].map((k) => set(`r${k}`, `(v128.load (i32.add ${get('src')} (i32.mul ${get('inRow')} (i32.const ${k}))))`)).join('\n          ')}
          ${set('t0', shuffle32(get('r0'), get('r1'), [0, 4, 1, 5]))}
          ${set('t1', shuffle32(get('r0'), get('r1'), [2, 6, 3, 7]))}
          ${set('t2', shuffle32(get('r2'), get('r3'), [0, 4, 1, 5]))}
          ${set('t3', shuffle32(get('r2'), get('r3'), [2, 6, 3, 7]))}
          (v128.store ${get('dst')} ${shuffle32(get('t0'), get('t2'), [0, 1, 4, 5])})
          (v128.store (i32.add ${get('dst')} ${get('outRow')}) ${shuffle32(get('t0'), get('t2'), [2, 3, 6, 7])})
          (v128.store (i32.add ${get('dst')} (i32.mul ${get('outRow')} (i32.const 2))) ${shuffle32(get('t1'), get('t3'), [0, 1, 4, 5])})
          (v128.store (i32.add ${get('dst')} (i32.mul ${get('outRow')} (i32.const 3))) ${shuffle32(get('t1'), get('t3'), [2, 3, 6, 7])})
          ${set('src', `(i32.add ${get('src')} (i32.const 16))`)}
          ${set('dst', `(i32.add ${get('dst')} (i32.shl ${get('outRow')} (i32.const 2)))`)}
          ${set('j', `(i32.add ${get('j')} (i32.const 4))`)}
          (br $tiles)))
        ${set('i', `(i32.add ${get('i')} (i32.const 4))`)}
        (br $blocks)))
      ${set('x', `(i32.add ${get('x')} (i32.mul ${get('rows')} ${get('inRow')}))`)}
      ${set('y', `(i32.add ${get('y')} (i32.mul ${get('rows')} ${get('inRow')}))`)}
      ${set('b', `(i32.add ${get('b')} (i32.const 1))`)}
      (br $batches)))
  )`;

/**
 * Attention probabilities in one kernel: for each row of scores x [rows, cols] (cols a multiple of 4), with the key
 * mask row keep[floor(row / rowsPerKeep)] (1 = real token, 0 = padding), y = softmax(x * scale + (1 - keep) * -1e9),
 * the composite ops' formula. Three passes over the row: the biased scores and their maximum (stored in y), their
 * exps less the maximum and its sum, the division (a multiply by 1 / sum). exp of anything at or below -87.3 is
 * exactly 0, so padding gets no weight. y may equal x.
 */
const maskedSoftmax = `(func (export "maskedSoftmax") (param $x i32) (param $keep i32) (param $y i32) (param $rows i32)
      (param $cols i32) (param $rowsPerKeep i32) (param $scale f32)
    (local $r i32) (local $j i32) (local $bytes i32) (local $k i32) (local $m f32)
    (local $sv v128) (local $mv v128) (local $v v128) (local $acc v128) (local $e v128)
    (local $et v128) (local $ej v128) (local $en v128) (local $er v128)
    ${set('bytes', `(i32.shl ${get('cols')} (i32.const 2))`)}
    ${set('sv', `(f32x4.splat ${get('scale')})`)}
    ${overRows(
      [
        set('k', `(i32.add ${get('keep')} (i32.mul (i32.div_u ${get('r')} ${get('rowsPerKeep')}) ${get('bytes')}))`),
        set('mv', '(v128.const f32x4 -inf -inf -inf -inf)'),
        overRow('biased', get('bytes'), [
          set('v', add(mul(load('x'), get('sv')), mul(sub(splat(1), load('k')), splat(-1e9)))),
          store('y', get('v')),
          set('mv', `(f32x4.pmax ${get('mv')} ${get('v')})`),
        ]),
        set(
          'm',
          `(f32.max (f32.max (f32x4.extract_lane 0 ${get('mv')}) (f32x4.extract_lane 1 ${get('mv')}))
        (f32.max (f32x4.extract_lane 2 ${get('mv')}) (f32x4.extract_lane 3 ${get('mv')})))`,
        ),
        set('mv', `(f32x4.splat ${get('m')})`),
        set('acc', zero),
        overRow('exps', get('bytes'), [
          set('v', sub(load('y'), get('mv'))),
          ...expNonPositive(get('v'), 'e', 'e'),
          set('e', `(v128.and ${get('e')} (f32x4.gt ${get('v')} ${splat(-87.3)}))`),
          store('y', get('e')),
          set('acc', add(get('acc'), get('e'))),
        ]),
        set('v', `(f32x4.splat (f32.div (f32.const 1) ${lanesSum(get('acc'))}))`),
        overRow('normalize', get('bytes'), [store('y', mul(load('y'), get('v')))]),
      ],
      [
        ['x', get('bytes')],
        ['y', get('bytes')],
      ],
    )})`;

/**
 * C = A B (+ bias [n] when `bias` is not 0) for `batch` pairs of A [m, k] and B [k, n] (or B given transposed,
 * [n, k]), m a multiple of 4 and n of 8, float32. Layouts are strided: rows of A, B and C lie `lda`, `ldb`, `ldc`
 * floats apart, and batch i's matrices start `i * strideA`, `strideB`, `strideC` floats in (dense row-major:
 * lda = k, ldb = n (k transposed), ldc = n, strides m k, k n, m n), so a matmul can read heads out of a fused q|k|v
 * projection and write them into place. Each B is first packed into `panel` (k * n floats of scratch) as n / 8
 * column panels of [k, 8], so the inner loop reads B contiguously. Rows are taken in blocks of 64 (A's block stays
 * in L2 while every panel passes), each block in 4x8 register tiles: per step of k, two vectors of the panel and four
 * splat elements of A feed eight accumulators, by multiply then add, or (`fma`) by relaxed SIMD's fused multiply-add.
 */
const matmul = (fma: boolean): string => {
  const acc = (r: number, h: number) => `acc${r}${h}`;
  const tile = [0, 1, 2, 3].flatMap((r) => [0, 1].map((h) => acc(r, h)));
  const rowA = (r: number) => `(i32.add ${get('pa')} (i32.mul ${get('ldaBytes')} (i32.const ${r})))`;
  const pack = [
    // panel[j / 8][p][0..7] = B[p][j..j+7]
    loop('packCols', 'j', '(i32.const 0)', get('n'), '(i32.const 8)', [
      set('pb', `(i32.add ${get('panel')} (i32.mul ${get('j')} ${get('kBytes')}))`), // panel j/8 starts at j * k floats
      `(if ${get('bTransposed')}
        (then ${loop('packT', 'p', '(i32.const 0)', get('k'), '(i32.const 1)', [
          ...[0, 1, 2, 3, 4, 5, 6, 7].map(
            (q) => `(f32.store offset=${4 * q} (i32.add ${get('pb')} (i32.shl ${get('p')} (i32.const 5)))
            (f32.load (i32.add ${get('b')} (i32.add (i32.mul (i32.add ${get('j')} (i32.const ${q})) ${get('ldbBytes')}) (i32.shl ${get('p')} (i32.const 2))))))`,
          ),
        ])})
        (else ${loop('packN', 'p', '(i32.const 0)', get('k'), '(i32.const 1)', [
          set('s', `(i32.add ${get('b')} (i32.add (i32.mul ${get('p')} ${get('ldbBytes')}) (i32.shl ${get('j')} (i32.const 2))))`),
          `(v128.store (i32.add ${get('pb')} (i32.shl ${get('p')} (i32.const 5))) (v128.load ${get('s')}))`,
          `(v128.store offset=16 (i32.add ${get('pb')} (i32.shl ${get('p')} (i32.const 5))) (v128.load offset=16 ${get('s')}))`,
        ])}))`,
    ]),
  ];
  const tileBody = [
    ...tile.map((t) => set(t, zero)),
    set('pa', `(i32.add ${get('a')} (i32.mul ${get('i')} ${get('ldaBytes')}))`),
    set('pb', `(i32.add ${get('panel')} (i32.mul ${get('j')} ${get('kBytes')}))`),
    loop('ks', 'p', '(i32.const 0)', get('k'), '(i32.const 1)', [
      set('b0', `(v128.load ${get('pb')})`),
      set('b1', `(v128.load offset=16 ${get('pb')})`),
      ...[0, 1, 2, 3].flatMap((r) => [
        set('v', `(v128.load32_splat ${rowA(r)})`),
        ...[0, 1].map((h) =>
          set(
            acc(r, h),
            fma ? `(f32x4.relaxed_madd ${get('v')} ${get(`b${h}`)} ${get(acc(r, h))})` : add(get(acc(r, h)), mul(get('v'), get(`b${h}`))),
          ),
        ),
      ]),
      set('pa', `(i32.add ${get('pa')} (i32.const 4))`),
      set('pb', `(i32.add ${get('pb')} (i32.const 32))`),
    ]),
    set('pc', `(i32.add ${get('c')} (i32.add (i32.mul ${get('i')} ${get('ldcBytes')}) (i32.shl ${get('j')} (i32.const 2))))`),
    // plus bias[j..j+7] (zeros without a bias), after the products as an unfused add would
    `(if (i32.eqz ${get('bias')})
      (then ${set('b0', zero)} ${set('b1', zero)})
      (else ${set('b0', `(v128.load (i32.add ${get('bias')} (i32.shl ${get('j')} (i32.const 2))))`)}
        ${set('b1', `(v128.load offset=16 (i32.add ${get('bias')} (i32.shl ${get('j')} (i32.const 2))))`)}))`,
    ...[0, 1, 2, 3].flatMap((r) =>
      [0, 1].map(
        (h) =>
          `(v128.store offset=${16 * h} (i32.add ${get('pc')} (i32.mul ${get('ldcBytes')} (i32.const ${r}))) ${add(get(acc(r, h)), get(`b${h}`))})`,
      ),
    ),
  ];
  return `(func (export "matmul") (param $a i32) (param $b i32) (param $c i32) (param $panel i32) (param $batch i32) (param $m i32)
      (param $k i32) (param $n i32) (param $bTransposed i32) (param $bias i32) (param $lda i32) (param $ldb i32) (param $ldc i32)
      (param $strideA i32) (param $strideB i32) (param $strideC i32)
    (local $bi i32) (local $i0 i32) (local $iEnd i32) (local $i i32) (local $j i32) (local $p i32) (local $pa i32) (local $pb i32)
    (local $pc i32) (local $s i32) (local $kBytes i32) (local $ldaBytes i32) (local $ldbBytes i32) (local $ldcBytes i32)
    (local $b0 v128) (local $b1 v128) (local $v v128)
    ${tile.map((t) => `(local $${t} v128)`).join(' ')}
    ${set('kBytes', `(i32.shl ${get('k')} (i32.const 2))`)}
    ${['lda', 'ldb', 'ldc'].map((l) => set(`${l}Bytes`, `(i32.shl ${get(l)} (i32.const 2))`)).join('\n    ')}
    ${loop('batches', 'bi', '(i32.const 0)', get('batch'), '(i32.const 1)', [
      ...pack,
      loop('blocks', 'i0', '(i32.const 0)', get('m'), '(i32.const 64)', [
        set(
          'iEnd',
          `(select (i32.add ${get('i0')} (i32.const 64)) ${get('m')} (i32.lt_u (i32.add ${get('i0')} (i32.const 64)) ${get('m')}))`,
        ),
        loop('cols', 'j', '(i32.const 0)', get('n'), '(i32.const 8)', [
          loop('rows', 'i', get('i0'), get('iEnd'), '(i32.const 4)', tileBody),
        ]),
      ]),
      ...['a', 'b', 'c'].map((x) => set(x, `(i32.add ${get(x)} (i32.shl ${get(`stride${x.toUpperCase()}`)} (i32.const 2)))`)),
    ])}
  )`;
};

/**
 * The module's text, importing `memory` as `env.memory`: `'(memory 1)'` for an ordinary memory,
 * `'(memory 1 65536 shared)'` for the threaded build's shared one.
 *
 * @example
 * ```ts
 * const wat = kernelsWat('(memory 1)');
 * ```
 */
export function kernelsWat(memory: string): string {
  return `(module
  (import "env" "memory" ${memory})
  ${[gelu, geluGrad].map(elementwise).join('\n  ')}
  ${[sumRows, layerNorm, layerNormGrad, maskedSoftmax, transpose, matmul(false), quantizeRows, quantizeRowsInt8, matmulInt8, adamw].join('\n  ')})\n`;
}

/**
 * The relaxed-SIMD module: the `matmul` of `kernelsWat` with each multiply-add of the inner loop a relaxed-SIMD
 * `f32x4.relaxed_madd` (one fused multiply-add instruction where the CPU has FMA, ~1.35x the plain kernel here), and
 * `matmulInt8Relaxed` (`int8-wat.ts`). Engines without relaxed SIMD reject the module, so it is loaded only where
 * `WebAssembly.validate` accepts it.
 *
 * @example
 * ```ts
 * const wat = fmaKernelsWat('(memory 1)');
 * ```
 */
export function fmaKernelsWat(memory: string): string {
  return `(module
  (import "env" "memory" ${memory})
  ${matmul(true)}
  ${matmulInt8Relaxed})\n`;
}
