import { execFileSync } from 'node:child_process'
import { browserMissingReason } from './helpers/browser.js'
import { postgresMissingReason } from './helpers/postgres.js'
import { kannelMissingReason } from './integration/kannel-stack.js'
import { openCheckoutToOthers } from './helpers/open-checkout.js'

/** Tests run the built bin/ as VISULOX does; build it fresh so they never test stale code. */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.js'], { stdio: 'inherit' })
  const missing = kannelMissingReason()
  if (missing && process.env['REQUIRE_KANNEL'] !== '1') {
    loudNotice(`Kannel integration tests are SKIPPED: ${missing}`, 'Install it with: apt-get install -y kannel kannel-extras (CI sets REQUIRE_KANNEL=1)')
  }
  const noBrowser = browserMissingReason()
  if (noBrowser && process.env['REQUIRE_BROWSER'] !== '1') {
    loudNotice(`Browser tests of the HTML report are SKIPPED: ${noBrowser}`, 'Install it with: apt-get install -y chromium (CI sets REQUIRE_BROWSER=1)')
  }
  const noPostgres = postgresMissingReason()
  if (noPostgres && process.env['REQUIRE_POSTGRES'] !== '1') {
    loudNotice(`PostgreSQL store tests are SKIPPED: PostgreSQL is ${noPostgres}`, 'Install it with: apt-get install -y postgresql (CI sets REQUIRE_POSTGRES=1)')
  }
  // Once for all files: under root some tests run the CLI as other accounts (the install, a shared store).
  if (process.getuid?.() === 0) {
    const opened = openCheckoutToOthers()
    if (opened.length > 0) process.stderr.write(`note: opened to other accounts (o+x, passage only) for the tests that run as them: ${opened.join(', ')}\n`)
  }
}

function loudNotice(...lines: string[]): void {
  const bar = '!'.repeat(78)
  process.stderr.write(`\n${bar}\n${lines.map((line) => `!! ${line}\n`).join('')}${bar}\n\n`)
}
