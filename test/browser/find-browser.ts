/**
 * Where the browser tests find Chromium, and what they do without one. `TFDISTILL_BROWSER` names a Chromium or Chrome
 * executable; else the first of Debian's `chromium` and the usual names found on PATH is used. Without a browser (or
 * without playwright-core) the tests are skipped with a banner on a developer's machine, so that `npm test` works on a
 * fresh one, but fail under `CI=true`, so that CI can never pass without running them.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Executable names tried on PATH, in order. */
const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

const INSTALL_HINT =
  'install Chromium (Debian/Ubuntu: apt-get install -y chromium) or set TFDISTILL_BROWSER to a Chromium or Chrome executable';

/** A browser to launch, or why there is none and whether that skips the tests or fails them. */
export type BrowserChoice = { ok: true; executablePath: string } | { ok: false; reason: string; fail: boolean };

/**
 * The browser the tests drive: `env.TFDISTILL_BROWSER` when set (it must exist), else the first candidate on
 * `env.PATH`. Without one, `fail` is true when `env.CI` is `true` or `1`.
 *
 * @example
 * ```ts
 * const choice = findBrowser(process.env); // { ok: true, executablePath: '/usr/bin/chromium' }
 * ```
 */
export function findBrowser(env: NodeJS.ProcessEnv, exists: (file: string) => boolean = existsSync): BrowserChoice {
  const fail = env.CI === 'true' || env.CI === '1';
  const named = env.TFDISTILL_BROWSER;
  if (named) {
    // An explicit path that is wrong is a mistake to report, on any machine.
    return exists(named)
      ? { ok: true, executablePath: named }
      : { ok: false, reason: `TFDISTILL_BROWSER=${named} does not exist`, fail: true };
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of CANDIDATES) {
      const file = path.join(dir, name);
      if (exists(file)) return { ok: true, executablePath: file };
    }
  }
  return { ok: false, reason: `no Chromium found on PATH (tried ${CANDIDATES.join(', ')}): ${INSTALL_HINT}`, fail };
}

/** The banner printed when the browser tests are skipped: impossible to miss in a test log. */
export function skipBanner(reason: string): string {
  const bar = '!'.repeat(78);
  return `\n${bar}\n!! BROWSER TESTS NOT RUN: ${reason}\n!! (under CI=true this is a failure)\n${bar}\n`;
}
