import { execFileSync } from 'node:child_process'
import { postgresMissingReason } from './helpers/postgres.js'
import { kannelMissingReason } from './integration/kannel-stack.js'

/** Tests run the built bin/ as VISULOX does; build it fresh so they never test stale code. */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.js'], { stdio: 'inherit' })
  const missing = kannelMissingReason()
  if (missing && process.env['REQUIRE_KANNEL'] !== '1') {
    const bar = '!'.repeat(78)
    process.stderr.write(`\n${bar}\n!! Kannel integration tests are SKIPPED: ${missing}\n!! Install it with: apt-get install -y kannel kannel-extras (CI sets REQUIRE_KANNEL=1)\n${bar}\n\n`)
  }
  const noPostgres = postgresMissingReason()
  if (noPostgres && process.env['REQUIRE_POSTGRES'] !== '1') {
    const bar = '!'.repeat(78)
    process.stderr.write(`\n${bar}\n!! PostgreSQL store tests are SKIPPED: PostgreSQL is ${noPostgres}\n!! Install it with: apt-get install -y postgresql (CI sets REQUIRE_POSTGRES=1)\n${bar}\n\n`)
  }
}
