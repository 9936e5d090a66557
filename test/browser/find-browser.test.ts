import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBrowser, skipBanner } from './find-browser.js';

const PATH = ['/opt/bin', '/usr/bin'].join(path.delimiter);
const only =
  (...files: string[]) =>
  (f: string) =>
    files.includes(f);

describe('findBrowser', () => {
  it('takes the first candidate on PATH', () => {
    expect(findBrowser({ PATH }, only('/usr/bin/chromium', '/usr/bin/google-chrome'))).toEqual({
      ok: true,
      executablePath: '/usr/bin/chromium',
    });
    expect(findBrowser({ PATH }, only('/opt/bin/google-chrome', '/usr/bin/chromium'))).toEqual({
      ok: true,
      executablePath: '/opt/bin/google-chrome',
    });
  });

  it('prefers TFDISTILL_BROWSER, and reports one that does not exist as a failure even outside CI', () => {
    expect(findBrowser({ PATH, TFDISTILL_BROWSER: '/x/chrome' }, only('/x/chrome', '/usr/bin/chromium'))).toEqual({
      ok: true,
      executablePath: '/x/chrome',
    });
    const wrong = findBrowser({ PATH, TFDISTILL_BROWSER: '/x/none' }, only('/usr/bin/chromium'));
    expect(wrong).toMatchObject({ ok: false, fail: true });
  });

  it('without a browser: skips on a developer machine, fails under CI=true, and says how to install one', () => {
    const dev = findBrowser({ PATH }, only());
    expect(dev).toMatchObject({ ok: false, fail: false });
    expect(dev.ok ? '' : dev.reason).toMatch(/apt-get install -y chromium.*TFDISTILL_BROWSER/);
    expect(findBrowser({ PATH, CI: 'true' }, only())).toMatchObject({ ok: false, fail: true });
    expect(findBrowser({ PATH, CI: '1' }, only())).toMatchObject({ ok: false, fail: true });
    expect(skipBanner('no Chromium')).toMatch(/BROWSER TESTS NOT RUN: no Chromium/);
  });
});
