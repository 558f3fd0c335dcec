import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, it } from 'vitest'

/** Debian's chromium; the tests never let a driver download a browser of its own. */
export const CHROMIUM = '/usr/bin/chromium'

/** Screenshots for a person to look at after the run (git-ignored). */
export const TEST_OUTPUT = resolve(import.meta.dirname, '../../test-output')

export function browserMissingReason(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed`
}

/** Skipped (loudly, by the global setup) without chromium; failing instead when REQUIRE_BROWSER=1, as in CI. */
export function describeWithBrowser(name: string, body: () => void): void {
  const missing = browserMissingReason()
  if (missing && process.env['REQUIRE_BROWSER'] === '1') {
    describe(name, () => {
      it('needs a real browser (REQUIRE_BROWSER=1)', () => {
        throw new Error(`${missing}; install it with apt-get install -y chromium`)
      })
    })
    return
  }
  describe.skipIf(Boolean(missing))(name, body)
}

/** Headless chromium with a fresh profile and nothing that phones home; close() removes the profile. */
export async function launchChromium(options: { javaScriptEnabled?: boolean } = {}) {
  const { chromium } = await import('playwright-core')
  const profile = mkdtempSync(join(tmpdir(), 'sms-kannel-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    viewport: { width: 1000, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  return {
    context,
    close: async () => {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

export function testOutputPath(name: string): string {
  mkdirSync(TEST_OUTPUT, { recursive: true })
  return join(TEST_OUTPUT, name)
}
