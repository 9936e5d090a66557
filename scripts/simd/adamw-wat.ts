/**
 * `adamw(p, g, m, v, pOut, mOut, vOut, count, decay, beta1, c1, beta2, c2, bc2Sqrt, epsilon, stepSize)`: one AdamW
 * update of `count` float32 parameters in one pass, the same float32 operations in the same order as the composite
 * ops of `src/train/adamw.ts` (so the result is bit-identical):
 *   m' = m * beta1 + g * c1;  v' = v * beta2 + (g * g) * c2;  denom = sqrt(v') / bc2Sqrt + epsilon;
 *   p' = p * decay - (m' / denom) * stepSize
 * (c1 = 1 - beta1, c2 = 1 - beta2 and decay = 1 - lr * weightDecay, or 1 without decay: p * 1 is p). Four lanes at a
 * time, then a tail of fewer than four one lane at a time through the same expressions.
 */
import { add, get, mul, set, sub } from './wat.js';

const scalars = ['decay', 'beta1', 'c1', 'beta2', 'c2', 'bc2', 'eps', 'step'];

/** The update of one vector of each input (`load(name)`), stored by `store(name, value)`. */
const update = (load: (name: string) => string, store: (name: string, value: string) => string, splat: (s: string) => string) => [
  set('mn', add(mul(load('m'), splat('beta1')), mul(load('g'), splat('c1')))),
  set('vn', add(mul(load('v'), splat('beta2')), mul(mul(load('g'), load('g')), splat('c2')))),
  set('den', add(`(f32x4.div (f32x4.sqrt ${get('vn')}) ${splat('bc2')})`, splat('eps'))),
  store('pOut', sub(mul(load('p'), splat('decay')), mul(`(f32x4.div ${get('mn')} ${get('den')})`, splat('step')))),
  store('mOut', get('mn')),
  store('vOut', get('vn')),
];

const pointers = ['p', 'g', 'm', 'v', 'pOut', 'mOut', 'vOut'];
const advance = (bytes: number) => pointers.map((q) => set(q, `(i32.add ${get(q)} (i32.const ${bytes}))`)).join('\n      ');

/** The exported function. */
export const adamw = `(func (export "adamw") ${pointers.map((q) => `(param $${q} i32)`).join(' ')} (param $count i32)
      ${scalars.map((s) => `(param $${s} f32)`).join(' ')}
    (local $end i32) (local $last i32) (local $mn v128) (local $vn v128) (local $den v128)
    ${scalars.map((s) => `(local $${s}4 v128)`).join(' ')}
    ${scalars.map((s) => set(`${s}4`, `(f32x4.splat ${get(s)})`)).join('\n    ')}
    ${set('end', `(i32.add ${get('p')} (i32.shl ${get('count')} (i32.const 2)))`)}
    ${set('last', `(i32.sub ${get('end')} (i32.const 16))`)}
    (block $done4 (loop $four
      (br_if $done4 (i32.gt_u ${get('p')} ${get('last')}))
      ${update(
        (name) => `(v128.load ${get(name)})`,
        (name, value) => `(v128.store ${get(name)} ${value})`,
        (s) => get(`${s}4`),
      ).join('\n      ')}
      ${advance(16)}
      (br $four)))
    (block $done1 (loop $one
      (br_if $done1 (i32.ge_u ${get('p')} ${get('end')}))
      ${update(
        (name) => `(f32x4.splat (f32.load ${get(name)}))`,
        (name, value) => `(f32.store ${get(name)} (f32x4.extract_lane 0 ${value}))`,
        (s) => get(`${s}4`),
      ).join('\n      ')}
      ${advance(4)}
      (br $one))))`;
