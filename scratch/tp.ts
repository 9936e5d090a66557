import wabtInit from 'wabt';
const wabt = await wabtInit();
const features = { simd: true, relaxed_simd: true } as any;
function mod(op: string, ty: string) {
  const accs = [0,1,2,3,4,5,6,7];
  return `(module (func (export "run") (param $n i32) (result i32)
    (local $a v128) (local $b v128) ${accs.map(i=>`(local $c${i} v128)`).join(' ')}
    (local.set $a (v128.const i32x4 0x01020304 0x05060708 0x01020304 0x05060708))
    (local.set $b (v128.const i32x4 0x01010101 0x02020202 0x03030303 0x04040404))
    (block $d (loop $l (br_if $d (i32.eqz (local.get $n)))
      ${accs.map(i=>`(local.set $c${i} (${op} (local.get $a) (local.get $b) (local.get $c${i})))`).join('\n')}
      (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br $l)))
    (i32x4.extract_lane 0 (${ty}.add (local.get $c0) (${ty}.add (local.get $c1) (${ty}.add (local.get $c2) (${ty}.add (local.get $c3) (${ty}.add (local.get $c4) (${ty}.add (local.get $c5) (${ty}.add (local.get $c6) (local.get $c7)))))))))))`;
}
function mod2() { // i16 dot path: dot_i16x8_s + add
  const accs = [0,1,2,3,4,5,6,7];
  return `(module (func (export "run") (param $n i32) (result i32)
    (local $a v128) (local $b v128) ${accs.map(i=>`(local $c${i} v128)`).join(' ')}
    (local.set $a (v128.const i32x4 0x01020304 0x05060708 0x01020304 0x05060708))
    (local.set $b (v128.const i32x4 0x01010101 0x02020202 0x03030303 0x04040404))
    (block $d (loop $l (br_if $d (i32.eqz (local.get $n)))
      ${accs.map(i=>`(local.set $c${i} (i32x4.add (i32x4.dot_i16x8_s (local.get $a) (local.get $b)) (local.get $c${i})))`).join('\n')}
      (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br $l)))
    (i32x4.extract_lane 0 (local.get $c0))))`;
}
async function bench(name: string, wat: string, macsPerOp: number) {
  const m = wabt.parseWat('x.wat', wat, features); (m as any).validate(features);
  const bin = m.toBinary({}).buffer;
  const inst = await WebAssembly.instantiate(bin);
  const run = (inst.instance.exports as any).run;
  run(1e6);
  const n = 2e7; const t0 = performance.now(); run(n); const ms = performance.now() - t0;
  console.log(name, (n*8*macsPerOp/ms/1e6).toFixed(1), 'GMAC/s');
}
//await bench('f32 relaxed_madd', mod('f32x4.relaxed_madd', 'f32x4'), 4);
//await bench('i8 relaxed dot', mod('i32x4.relaxed_dot_i8x16_i7x16_add_s', 'i32x4'), 16);
await bench('i16 dot + add', mod2(), 8);
await bench('f32 mul+add', mod('XX', 'f32x4').replace(/\(XX \(local.get \$a\) \(local.get \$b\) \(local.get (\$c\d)\)\)/g, '(f32x4.add (f32x4.mul (local.get $a) (local.get $b)) (local.get $1))'), 4);
