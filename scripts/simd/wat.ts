/**
 * Small builders of WebAssembly text shared by the kernel sources (`kernels-wat.ts`, `int8-wat.ts`): each returns
 * one s-expression, so a kernel's loop body reads as the formula it computes.
 */

/** A v128 constant with `value` in all four float32 lanes. */
export const splat = (value: number): string => `(v128.const f32x4 ${value} ${value} ${value} ${value})`;
export const mul = (a: string, b: string): string => `(f32x4.mul ${a} ${b})`;
export const add = (a: string, b: string): string => `(f32x4.add ${a} ${b})`;
export const sub = (a: string, b: string): string => `(f32x4.sub ${a} ${b})`;
export const get = (local: string): string => `(local.get $${local})`;
export const set = (local: string, value: string): string => `(local.set $${local} ${value})`;
/** A v128 of zeros. */
export const zero = '(v128.const i64x2 0 0)';

/**
 * `for (counter = start; counter < end; counter += step) body` (unsigned compare), labelled `name` (unique within
 * the function).
 */
export const loop = (
  name: string,
  counter: string,
  start: string,
  end: string,
  step: string,
  body: string[],
): string => `${set(counter, start)}
    (block $${name}_done (loop $${name}
      (br_if $${name}_done (i32.ge_u ${get(counter)} ${end}))
      ${body.join('\n      ')}
      ${set(counter, `(i32.add ${get(counter)} ${step})`)}
      (br $${name})))`;
