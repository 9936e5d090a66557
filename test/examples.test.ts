/**
 * Every example in `examples/` runs top to bottom, shrunk (`TFDISTILL_EXAMPLE_QUICK=1`: few rows, tiny models,
 * one epoch), as a child process with no stdin, exactly as a user would start it with `npx tsx`. Each must exit 0
 * and print the `RESULT:` line its first cell promises, with numbers in it, so the examples never rot.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const pct = String.raw`\d+\.\d\d%`;

/** Each example and the headline line it promises in its first markdown cell. */
const examples: Record<string, RegExp> = {
  '01-quickstart': new RegExp(`^RESULT: teacher ${pct} · student ${pct} · \\d+\\.\\dx fewer parameters · agreement ${pct}$`, 'm'),
  '02-bring-your-own-teacher': new RegExp(
    `^RESULT: \\(a\\) LayersModel ${pct} -> student ${pct} · \\(b\\) GraphModel ${pct} -> student ${pct} · \\(c\\) CSV logits ${pct} -> student ${pct}$`,
    'm',
  ),
  '03-intermediate-layers': new RegExp(
    `^RESULT: logits-only ${pct} \\(agreement ${pct}\\) · \\+hidden\\+attention ${pct} \\(agreement ${pct}\\) · gain [+-]\\d+\\.\\d\\d pts$`,
    'm',
  ),
  '04-prune-and-quantize': new RegExp(
    `^RESULT: student ${pct} [\\d.]+ kB gzip -> prune 70% \\+recover ${pct} [\\d.]+ kB gzip -> .+ ${pct} [\\d.]+ kB gzip \\([\\d.]+x smaller than the float32 student\\)$`,
    'm',
  ),
  '05-deploy': new RegExp(
    `^RESULT: web export \\d+ files, [\\d.]+ kB weights · student b1 p50 [\\d.]+ ms \\([\\d.]+x faster than teacher\\) · streamed \\d+ emails at \\d+ texts/s, mean micro-batch [\\d.]+, accuracy ${pct}$`,
    'm',
  ),
  '06-mixed-precision': new RegExp(
    `^RESULT: float32 ${pct} [\\d.]+ kB · mixed-float16 ${pct} [\\d.]+ kB \\([\\d.]+x smaller\\) · max \\|w16 - master\\| [\\d.]+e[+-]\\d+ · agreement ${pct}$`,
    'm',
  ),
  '07-hugging-face-teacher': new RegExp(
    `^RESULT: ONNX teacher ${pct} · student ${pct} · agreement ${pct} · [\\d.]+x smaller than the teacher's model\\.onnx$`,
    'm',
  ),
};

function run(name: string, outRoot: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      tsx,
      [path.join('examples', `${name}.ts`)],
      {
        cwd: root,
        maxBuffer: 64 * 2 ** 20,
        timeout: 150_000,
        env: { ...process.env, TFDISTILL_EXAMPLE_QUICK: '1', TFDISTILL_EXAMPLE_OUT: outRoot },
      },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) || 1 : 0, stdout, stderr }),
    );
    child.stdin?.end(); // no stdin: an example must never wait for input
  });
}

describe('examples (shrunk with TFDISTILL_EXAMPLE_QUICK=1)', () => {
  let outRoot = '';
  beforeAll(async () => {
    outRoot = await mkdtemp(path.join(tmpdir(), 'tfdistill-examples-'));
  });
  afterAll(async () => {
    await rm(outRoot, { recursive: true, force: true });
  });

  for (const [name, headline] of Object.entries(examples)) {
    it(`${name} runs and prints its RESULT line`, async () => {
      const { code, stdout, stderr } = await run(name, outRoot);
      expect(code, `${name} failed:\n${stderr.slice(-3000)}`).toBe(0);
      expect(stdout).toMatch(headline);
    }, 160_000);
  }
});
