/**
 * The int8 inference kernels: dynamic per-row quantization of activations and an int8 matmul with int32 sums, in two
 * forms that give the same sums:
 *  - `quantizeRows` + `matmulInt8`, standard wasm SIMD: activations as int16, `i32x4.dot_i16x8_s` (8 products per
 *    instruction, plus an add) — every SIMD engine;
 *  - `quantizeRowsInt8` + `matmulInt8Relaxed`, relaxed SIMD: activations as int8, `i32x4.relaxed_dot_i8x16_i7x16_add_s`
 *    (16 products and the add in one instruction, VNNI's vpdpbusd where the CPU has it). Its second operand must lie in
 *    [0, 127]: the kernel adds 64 to each weight (they lie in [-63, 63]) and subtracts 64 * the row's sum of q.
 *
 * The math (`src/models/layers/int8-math.ts` is the reference in plain JS, with the panel layout):
 *  - activations, per row i of x [m, k]: s_i = max_p |x[i, p]| / 127, q[i, p] = rint(x[i, p] * (127 / max)) (0 for
 *    an all-zero row);
 *  - weights, per output column j: w[p, j] in [-63, 63] with scale t_j, packed once into panels;
 *  - y[i, j] = float32(sum_p q[i, p] w[p, j]) * (s_i * t_j) + bias[j], the sum exact in int32.
 */
import { add, get, loop, mul, set, zero } from './wat.js';

/** The per-row statements shared by both quantizers: local `m` = the row's largest |x|, its scale stored, `inv` set. */
const rowScale = [
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
];

/** Eight quantized values of the row as int16x8: x[j..j+7] * inv, rounded to nearest even, converted and narrowed. */
const eight = `(i16x8.narrow_i32x4_s
            (i32x4.trunc_sat_f32x4_s (f32x4.nearest ${mul(`(v128.load (i32.add ${get('x')} ${get('j')}))`, get('inv'))}))
            (i32x4.trunc_sat_f32x4_s (f32x4.nearest ${mul(`(v128.load offset=16 (i32.add ${get('x')} ${get('j')}))`, get('inv'))})))`;

const quantizerLocals =
  '(local $r i32) (local $j i32) (local $bytes i32) (local $m f32) (local $mv v128) (local $inv v128) (local $h v128)';

/**
 * `quantizeRows(x, q, scales, rows, k)`: the activation quantization above over float32 x [rows, k] (k a multiple
 * of 8) into int16 q [rows, k] and float32 scales [rows]. Two passes per row: the maximum magnitude, then eight
 * values at a time multiplied, rounded, converted and narrowed to one int16x8 store.
 */
export const quantizeRows = `(func (export "quantizeRows") (param $x i32) (param $q i32) (param $scales i32) (param $rows i32) (param $k i32)
    ${quantizerLocals}
    ${set('bytes', `(i32.shl ${get('k')} (i32.const 2))`)}
    ${loop('rows', 'r', '(i32.const 0)', get('rows'), '(i32.const 1)', [
      ...rowScale,
      loop('round', 'j', '(i32.const 0)', get('bytes'), '(i32.const 32)', [
        `(v128.store (i32.add ${get('q')} (i32.shr_u ${get('j')} (i32.const 1))) ${eight})`,
      ]),
      set('x', `(i32.add ${get('x')} ${get('bytes')})`),
      set('q', `(i32.add ${get('q')} (i32.shr_u ${get('bytes')} (i32.const 1)))`),
    ])})`;

/**
 * `quantizeRowsInt8(x, q, scales, sums, rows, k)`: as `quantizeRows`, into int8 q [rows, k], plus each row's int32
 * sum of q in `sums` [rows] (for the relaxed kernel's offset).
 */
export const quantizeRowsInt8 = `(func (export "quantizeRowsInt8") (param $x i32) (param $q i32) (param $scales i32) (param $sums i32)
      (param $rows i32) (param $k i32)
    ${quantizerLocals} (local $acc v128)
    ${set('bytes', `(i32.shl ${get('k')} (i32.const 2))`)}
    ${loop('rows', 'r', '(i32.const 0)', get('rows'), '(i32.const 1)', [
      ...rowScale,
      set('acc', zero),
      loop('round', 'j', '(i32.const 0)', get('bytes'), '(i32.const 32)', [
        set('h', eight),
        set('acc', `(i32x4.add ${get('acc')} (i32x4.extadd_pairwise_i16x8_s ${get('h')}))`),
        `(v128.store64_lane 0 (i32.add ${get('q')} (i32.shr_u ${get('j')} (i32.const 2))) (i8x16.narrow_i16x8_s ${get('h')} ${get('h')}))`,
      ]),
      `(i32.store (i32.add ${get('sums')} (i32.shl ${get('r')} (i32.const 2)))
        (i32.add (i32.add (i32x4.extract_lane 0 ${get('acc')}) (i32x4.extract_lane 1 ${get('acc')}))
          (i32.add (i32x4.extract_lane 2 ${get('acc')}) (i32x4.extract_lane 3 ${get('acc')}))))`,
      set('x', `(i32.add ${get('x')} ${get('bytes')})`),
      set('q', `(i32.add ${get('q')} (i32.shr_u ${get('bytes')} (i32.const 2)))`),
    ])})`;

/** The accumulator of a tile's row r, half h, and all eight (4 rows x 2). */
const acc = (r: number, h: number) => `acc${r}${h}`;
const tile = [0, 1, 2, 3].flatMap((r) => [0, 1].map((h) => acc(r, h)));

/** Locals of both matmuls (`tile` names the accumulators). */
const matmulLocals = () => `(local $i0 i32) (local $iEnd i32) (local $i i32) (local $j i32) (local $pa i32) (local $pb i32)
    (local $pEnd i32) (local $pc i32) (local $rowBytes i32) (local $nBytes i32) (local $stepBytes i32)
    (local $b0 v128) (local $b1 v128) (local $t v128) (local $v v128) (local $s v128)
    ${tile.map((t) => `(local $${t} v128)`).join(' ')}`;

/** Row r's address in the tile: `pa` plus r rows. */
const rowA = (r: number) => (r === 0 ? get('pa') : `(i32.add ${get('pa')} (i32.mul ${get('rowBytes')} (i32.const ${r})))`);

/**
 * Stores row r of a tile's four columns j + offset..+3 from int32 sums `sums` (a v128 expression): float32(sums) *
 * (s_i * t) + bias, with `t` and the bias loaded at column j + offset.
 */
const storeFour = (r: number, sums: string, offset: number): string[] => [
  set('t', `(v128.load offset=${4 * offset} (i32.add ${get('scaleB')} (i32.shl ${get('j')} (i32.const 2))))`),
  set('s', `(v128.load32_splat (i32.add ${get('scaleA')} (i32.shl (i32.add ${get('i')} (i32.const ${r})) (i32.const 2))))`),
  set(
    'v',
    `(if (result v128) (i32.eqz ${get('bias')}) (then ${zero})
      (else (v128.load offset=${4 * offset} (i32.add ${get('bias')} (i32.shl ${get('j')} (i32.const 2))))))`,
  ),
  `(v128.store offset=${4 * offset} (i32.add ${get('pc')} (i32.mul ${get('nBytes')} (i32.const ${r})))
        ${add(mul(`(f32x4.convert_i32x4_s ${sums})`, mul(get('s'), get('t'))), get('v'))})`,
];

/** The row-block / column / row loops around a tile of `rows` x `cols`, columns stepping by `cols`. */
const tiles = (cols: number, tileBody: string[]) =>
  loop('blocks', 'i0', '(i32.const 0)', get('m'), '(i32.const 64)', [
    set('iEnd', `(select (i32.add ${get('i0')} (i32.const 64)) ${get('m')} (i32.lt_u (i32.add ${get('i0')} (i32.const 64)) ${get('m')}))`),
    loop('cols', 'j', '(i32.const 0)', get('n'), `(i32.const ${cols})`, [
      loop('rows', 'i', get('i0'), get('iEnd'), '(i32.const 4)', tileBody),
    ]),
  ]);

/** Where column j's four-column half of its panel block starts, and the k loop's end. */
const panelStart = [
  set(
    'pb',
    `(i32.add ${get('panel')} (i32.add (i32.mul (i32.shr_u ${get('j')} (i32.const 3)) ${get('stepBytes')})
        (i32.shl (i32.and (i32.shr_u ${get('j')} (i32.const 2)) (i32.const 1)) (i32.const 4))))`,
  ),
  set('pEnd', `(i32.add ${get('pb')} ${get('stepBytes')})`),
  set('pc', `(i32.add ${get('c')} (i32.add (i32.mul ${get('i')} ${get('nBytes')}) (i32.shl ${get('j')} (i32.const 2))))`),
];

/** A tile's start: accumulators zeroed, its rows of a, its panel run and its output. */
const tileStart = [
  ...tile.map((t) => set(t, zero)),
  set('pa', `(i32.add ${get('a')} (i32.mul ${get('i')} ${get('rowBytes')}))`),
  ...panelStart,
];

const params = `(param $a i32) (param $panel i32) (param $scaleA i32) (param $sums i32) (param $scaleB i32) (param $bias i32)
      (param $c i32) (param $m i32) (param $k i32) (param $n i32)`;

/**
 * `matmulInt8(a, panel, scaleA, sums, scaleB, bias, c, m, k, n)`: c [m, n] float32 = the dequantized product of int16
 * a [m, k] (from `quantizeRows`) and the packed weights, plus bias [n] unless `bias` is 0 (`sums` is unused); m a
 * multiple of 4, k of 4, n of 8. Tiles of 4 rows x 4 columns: per four k, two sign-extending loads of the panel
 * (columns j, j+1 and j+2, j+3, two k pairs each) and per row a 64-bit splat of its four values, dotted into two
 * accumulators whose lane pairs (the two k pairs of one column) are added when the tile is stored.
 */
export const matmulInt8 = (() => {
  const even = '0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27';
  const odd = '4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31';
  const tileBody = [
    ...tileStart,
    `(block $ks_done (loop $ks
      (br_if $ks_done (i32.ge_u ${get('pb')} ${get('pEnd')}))
      ${set('b0', `(v128.load8x8_s ${get('pb')})`)}
      ${set('b1', `(v128.load8x8_s offset=8 ${get('pb')})`)}
      ${[0, 1, 2, 3]
        .flatMap((r) => [
          set('v', `(v128.load64_splat ${rowA(r)})`),
          ...[0, 1].map((h) => set(acc(r, h), `(i32x4.add ${get(acc(r, h))} (i32x4.dot_i16x8_s ${get('v')} ${get(`b${h}`)}))`)),
        ])
        .join('\n      ')}
      ${set('pa', `(i32.add ${get('pa')} (i32.const 8))`)}
      ${set('pb', `(i32.add ${get('pb')} (i32.const 32))`)}
      (br $ks)))`,
    ...[0, 1, 2, 3].flatMap((r) =>
      storeFour(
        r,
        `(i32x4.add (i8x16.shuffle ${even} ${get(acc(r, 0))} ${get(acc(r, 1))}) (i8x16.shuffle ${odd} ${get(acc(r, 0))} ${get(acc(r, 1))}))`,
        0,
      ),
    ),
  ];
  return `(func (export "matmulInt8") ${params}
    ${matmulLocals()}
    ${set('rowBytes', `(i32.shl ${get('k')} (i32.const 1))`)}
    ${set('nBytes', `(i32.shl ${get('n')} (i32.const 2))`)}
    ${set('stepBytes', `(i32.shl ${get('k')} (i32.const 3))`)}
    ${tiles(4, tileBody)}
  )`;
})();

/**
 * `matmulInt8Relaxed(a, panel, scaleA, sums, scaleB, bias, c, m, k, n)`: as `matmulInt8`, from int8 a [m, k] and its
 * row sums (from `quantizeRowsInt8`). Tiles of 4 rows x 8 columns: per four k, two panel loads (four columns x four
 * k each) with 64 added to every byte, and per row a splat of its four int8 values into two relaxed dot-adds.
 */
export const matmulInt8Relaxed = (() => {
  const sixtyFour = '(v128.const i8x16 64 64 64 64 64 64 64 64 64 64 64 64 64 64 64 64)';
  const tileBody = [
    ...tileStart,
    `(block $ks_done (loop $ks
      (br_if $ks_done (i32.ge_u ${get('pb')} ${get('pEnd')}))
      ${set('b0', `(i8x16.add (v128.load ${get('pb')}) ${sixtyFour})`)}
      ${set('b1', `(i8x16.add (v128.load offset=16 ${get('pb')}) ${sixtyFour})`)}
      ${[0, 1, 2, 3]
        .flatMap((r) => [
          set('v', `(v128.load32_splat ${rowA(r)})`),
          ...[0, 1].map((h) => set(acc(r, h), `(i32x4.relaxed_dot_i8x16_i7x16_add_s ${get('v')} ${get(`b${h}`)} ${get(acc(r, h))})`)),
        ])
        .join('\n      ')}
      ${set('pa', `(i32.add ${get('pa')} (i32.const 4))`)}
      ${set('pb', `(i32.add ${get('pb')} (i32.const 32))`)}
      (br $ks)))`,
    ...[0, 1, 2, 3].flatMap((r) => [
      // 64 * sum_p q[i, p], taken off every column of the row
      set(
        'b0',
        `(i32x4.splat (i32.shl (i32.load (i32.add ${get('sums')} (i32.shl (i32.add ${get('i')} (i32.const ${r})) (i32.const 2)))) (i32.const 6)))`,
      ),
      ...[0, 1].flatMap((h) => storeFour(r, `(i32x4.sub ${get(acc(r, h))} ${get('b0')})`, 4 * h)),
    ]),
  ];
  return `(func (export "matmulInt8Relaxed") ${params}
    ${matmulLocals()}
    ${set('rowBytes', get('k'))}
    ${set('nBytes', `(i32.shl ${get('n')} (i32.const 2))`)}
    ${set('stepBytes', `(i32.shl ${get('k')} (i32.const 3))`)}
    ${tiles(8, tileBody)}
  )`;
})();
