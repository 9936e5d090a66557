import { TfdistillError } from '../errors.js';

/**
 * Compiles a converter-style glob (`*` any run of characters, `?` one character, like python's fnmatch that
 * `tensorflowjs_converter --quantize_uint8 'dense*'` uses) into an anchored RegExp.
 *
 * @example
 * ```ts
 * globToRegExp('block_*\/ffn*').test('block_0/ffn1_kernel'); // true
 * ```
 */
export function globToRegExp(glob: string): RegExp {
  if (typeof glob !== 'string' || glob.length === 0) {
    throw new TfdistillError('INVALID_ARGUMENT', `weight-name pattern must be a non-empty string, got ${JSON.stringify(glob)}`);
  }
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/**
 * A name filter: included when it matches some `include` glob (default: everything) and no `exclude` glob.
 *
 * @example
 * ```ts
 * const keep = nameFilter({ exclude: ['*embedding*', '*norm*'] });
 * keep('block_0/qkv_kernel'); // true
 * ```
 */
export function nameFilter(opts: { include?: readonly string[]; exclude?: readonly string[] }): (name: string) => boolean {
  const include = (opts.include ?? ['*']).map(globToRegExp);
  const exclude = (opts.exclude ?? []).map(globToRegExp);
  return (name) => include.some((r) => r.test(name)) && !exclude.some((r) => r.test(name));
}
