/** PostgreSQL for tests: the server (postgres-server.ts) and a describe block that needs one. */
import { describe, it } from 'vitest'
import { postgresMissingReason } from './postgres-server.js'

export * from './postgres-server.js'

/**
 * A describe block for PostgreSQL tests: skipped (loudly, by the global setup) when
 * PostgreSQL is missing, failing instead when REQUIRE_POSTGRES=1 as in CI.
 */
export function describeWithPostgres(name: string, body: () => void): void {
  const missing = postgresMissingReason()
  if (missing && process.env['REQUIRE_POSTGRES'] === '1') {
    describe(name, () => {
      it('needs a real PostgreSQL (REQUIRE_POSTGRES=1)', () => {
        throw new Error(`PostgreSQL is ${missing}; install postgresql`)
      })
    })
    return
  }
  describe.skipIf(Boolean(missing))(name, body)
}

