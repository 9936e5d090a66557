/**
 * The int8 inference kernels: dynamic per-row quantization of activations and an int8 x int8 matmul with int32
 * accumulation, in standard wasm SIMD (`i32x4.dot_i16x8_s`, which every SIMD engine has; relaxed SIMD's 8-bit dot
 * needs a 7-bit operand and is absent from Node 20).
 *
 * The math (`src/models/layers/int8-math.ts` is the reference in plain JS):
 *  - activations, per row i of x [m, k]: s_i = max_p |x[i, p]| / 127, q[i, p] = rint(x[i, p] * (127 / max)) (0 for
 *    an all-zero row), stored as int16 so that a 32-bit load splats a pair (q[i, p], q[i, p + 1]);
 *  - weights, per output column j: int8 w[p, j] with scale t_j (symmetric, [-127, 127]), packed once into panels;
 *  - y[i, j] = float32(sum_p q[i, p] w[p, j]) * (s_i * t_j) + bias[j], the sum exact in int32.
 */
import { add, get, loop, mul, set, zero } from './wat.js';

/**
 * `quantizeRows(x, q, scales, rows, k)`: the activation quantization above over float32 x [rows, k] (k a multiple
 * of 8) into int16 q [rows, k] and float32 scales [rows]. Two passes per row: the maximum magnitude, then
 * multiply, round to nearest even, convert and narrow eight values to one int16x8 store.
 */
export const quantizeRows = `(func (export "quantizeRows") (param $x i32) (param $q i32) (param $scales i32) (param $rows i32) (param $k i32)
    (local $r i32) (local $j i32) (local $bytes i32) (local $m f32) (local $mv v128) (local $inv v128)
    ${set('bytes', `(i32.shl ${get('k')} (i32.const 2))`)}
    ${loop('rows', 'r', '(i32.const 0)', get('rows'), '(i32.const 1)', [
      set('mv', zero),
      loop('max', 'j', '(i32.const 0)', get('bytes'), '(i32.const 16)', [
        set('mv', `(f32x4.pmax ${get('mv')} (f32x4.abs (v128.load (i32.add ${get('x')} ${get('j')}))))`),
      ]),
      set(
        'm',
        `(f32.max (f32.max (f32x4.extract_lane 0 ${get('mv')}) (f32x4.extract_lane 1 ${get('mv')}))
          (f32.max (f32x4.extract_lane 2 ${get('mv')}) (f32x4.extract_lane 3 ${get('mv')})))`,
      ),
      `(f32.store (i32.add ${get('scales')} (i32.shl ${get('r')} (i32.const 2))) (f32.div ${get('m')} (f32.const 127)))`,
      set('inv', `(f32x4.splat (select (f32.div (f32.const 127) ${get('m')}) (f32.const 0) (f32.gt ${get('m')} (f32.const 0))))`),
      loop('round', 'j', '(i32.const 0)', get('bytes'), '(i32.const 32)', [
        `(v128.store (i32.add ${get('q')} (i32.shr_u ${get('j')} (i32.const 1)))
          (i16x8.narrow_i32x4_s
            (i32x4.trunc_sat_f32x4_s (f32x4.nearest ${mul(`(v128.load (i32.add ${get('x')} ${get('j')}))`, get('inv'))}))
            (i32x4.trunc_sat_f32x4_s (f32x4.nearest ${mul(`(v128.load offset=16 (i32.add ${get('x')} ${get('j')}))`, get('inv'))}))))`,
      ]),
      set('x', `(i32.add ${get('x')} ${get('bytes')})`),
      set('q', `(i32.add ${get('q')} (i32.shr_u ${get('bytes')} (i32.const 1)))`),
    ])})`;

/**
 * `matmulInt8(a, panel, scaleA, scaleB, bias, c, m, k, n)`: c [m, n] float32 = the dequantized product of int16 a
 * [m, k] (values in [-127, 127], from `quantizeRows`) and the packed int8 weights, plus bias [n] unless `bias` is 0;
 * m a multiple of 4, k of 2, n of 8.
 *
 * Panel layout (bytes), made once per weight by `packInt8Panel`: columns in blocks of 8 (block b at b * 8k), each
 * block a run of k / 2 steps of 16 bytes; step p/2 holds w[p, j], w[p+1, j] for j = the block's columns 0..3, then
 * the same for columns 4..7. Sign-extending a half to int16x8 and a dot product with the splatted pair (a[i, p],
 * a[i, p + 1]) adds both products of four columns into four int32 lanes. Rows go in blocks of 64, each block in 4x8
 * tiles of eight int32x4 accumulators.
 */
export const matmulInt8 = (() => {
  const acc = (r: number, h: number) => `acc${r}${h}`;
  const tile = [0, 1, 2, 3].flatMap((r) => [0, 1].map((h) => acc(r, h)));
  const rowA = (r: number) => (r === 0 ? get('pa') : `(i32.add ${get('pa')} (i32.mul ${get('rowBytes')} (i32.const ${r})))`);
  // One pair of k: two panel halves, then per row the splatted pair dotted into both accumulators.
  const step = [
    set('b0', `(v128.load8x8_s ${get('pb')})`),
    set('b1', `(v128.load8x8_s offset=8 ${get('pb')})`),
    ...[0, 1, 2, 3].flatMap((r) => [
      set('v', `(v128.load32_splat ${rowA(r)})`),
      ...[0, 1].map((h) => set(acc(r, h), `(i32x4.add ${get(acc(r, h))} (i32x4.dot_i16x8_s ${get('v')} ${get(`b${h}`)}))`)),
    ]),
  ].join('\n      ');
  const tileBody = [
    ...tile.map((t) => set(t, zero)),
    set('pa', `(i32.add ${get('a')} (i32.mul ${get('i')} ${get('rowBytes')}))`),
    set('pb', `(i32.add ${get('panel')} (i32.mul ${get('j')} ${get('k')}))`),
    set('pEnd', `(i32.add ${get('pb')} (i32.shl ${get('k')} (i32.const 3)))`),
    `(block $ks_done (loop $ks
      (br_if $ks_done (i32.ge_u ${get('pb')} ${get('pEnd')}))
      ${step}
      ${set('pa', `(i32.add ${get('pa')} (i32.const 4))`)}
      ${set('pb', `(i32.add ${get('pb')} (i32.const 16))`)}
      (br $ks)))`,
    set('pc', `(i32.add ${get('c')} (i32.add (i32.mul ${get('i')} ${get('nBytes')}) (i32.shl ${get('j')} (i32.const 2))))`),
    set('t0', `(v128.load (i32.add ${get('scaleB')} (i32.shl ${get('j')} (i32.const 2))))`),
    set('t1', `(v128.load offset=16 (i32.add ${get('scaleB')} (i32.shl ${get('j')} (i32.const 2))))`),
    `(if (i32.eqz ${get('bias')})
      (then ${set('b0', zero)} ${set('b1', zero)})
      (else ${set('b0', `(v128.load (i32.add ${get('bias')} (i32.shl ${get('j')} (i32.const 2))))`)}
        ${set('b1', `(v128.load offset=16 (i32.add ${get('bias')} (i32.shl ${get('j')} (i32.const 2))))`)}))`,
    ...[0, 1, 2, 3].flatMap((r) => [
      set('v', `(v128.load32_splat (i32.add ${get('scaleA')} (i32.shl (i32.add ${get('i')} (i32.const ${r})) (i32.const 2))))`),
      ...[0, 1].map(
        (h) =>
          `(v128.store offset=${16 * h} (i32.add ${get('pc')} (i32.mul ${get('nBytes')} (i32.const ${r})))
        ${add(mul(`(f32x4.convert_i32x4_s ${get(acc(r, h))})`, mul(get('v'), get(`t${h}`))), get(`b${h}`))})`,
      ),
    ]),
  ];
  return `(func (export "matmulInt8") (param $a i32) (param $panel i32) (param $scaleA i32) (param $scaleB i32) (param $bias i32)
      (param $c i32) (param $m i32) (param $k i32) (param $n i32)
    (local $i0 i32) (local $iEnd i32) (local $i i32) (local $j i32) (local $pa i32) (local $pb i32) (local $pEnd i32) (local $pc i32)
    (local $rowBytes i32) (local $nBytes i32) (local $b0 v128) (local $b1 v128) (local $t0 v128) (local $t1 v128) (local $v v128)
    ${tile.map((t) => `(local $${t} v128)`).join(' ')}
    ${set('rowBytes', `(i32.shl ${get('k')} (i32.const 1))`)}
    ${set('nBytes', `(i32.shl ${get('n')} (i32.const 2))`)}
    ${loop('blocks', 'i0', '(i32.const 0)', get('m'), '(i32.const 64)', [
      set(
        'iEnd',
        `(select (i32.add ${get('i0')} (i32.const 64)) ${get('m')} (i32.lt_u (i32.add ${get('i0')} (i32.const 64)) ${get('m')}))`,
      ),
      loop('cols', 'j', '(i32.const 0)', get('n'), '(i32.const 8)', [loop('rows', 'i', get('i0'), get('iEnd'), '(i32.const 4)', tileBody)]),
    ])}
  )`;
})();
