/**
 * send's record into a PostgreSQL store, spooled locally when the database cannot take it.
 * There is no store file to put the spool beside, so it goes into the user's state
 * directory: `$XDG_STATE_HOME/sms-kannel/`, else `~/.local/state/sms-kannel/`, one file per
 * database. A state directory rather than a setting: the wrapper's call works unchanged.
 */
import { makeDirectories } from './make-directory.js'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { shownStoreLocation } from '../core/store-location.js'
import type { SendRecord } from '../core/timeline.js'
import type { SharedEventStore } from './event-store.js'
import { openPostgresStore } from './pg-store.js'
import { appendToSpoolFile, drainSpoolFile, spooledWarning, unspooledWarning } from './send-spool.js'
import { databaseFileStem, userStateDirectory } from './state-directory.js'

/** Where records for this database wait: named by host, port and database, never the password. */
export function postgresSpoolPath(url: string, env: NodeJS.ProcessEnv = process.env): string {
  const directory = userStateDirectory(env) ?? join(homedir(), '.local', 'state', 'sms-kannel')
  return join(directory, `${databaseFileStem(url)}.spool`)
}

/** Stores the records spooled for this database, if any; a failure leaves them for later. */
export function drainPostgresSpool(url: string, store: SharedEventStore): Promise<number> {
  return drainSpoolFile(postgresSpoolPath(url), (records) => store.recordSends(records))
}

/** How long send's record may take in all before it is spooled: the wrapper waits for the exit. */
const RECORD_DEADLINE_MS = 5_000
/** Once its own record is in, how long send lends to the spool of earlier ones before it exits. */
const DRAIN_BUDGET_MS = 1_000
/** Connecting, and each statement or lock wait (a migration elsewhere, a locked table), within that. */
const STEP_TIMEOUT_MS = 3_000

/**
 * Records a send in PostgreSQL, or, when the database cannot take it now, in the local
 * spool. Returns a warning for the person (undefined when stored); the send never fails for
 * this, and a database that is down, locked or silent delays its exit by 5 s at most.
 */
export async function recordSendInPostgres(url: string, record: SendRecord): Promise<string | undefined> {
  let reason: string
  const abort = new AbortController()
  let recorded = false
  const work = (async () => {
    const store = await openPostgresStore(url, { connectTimeoutMs: STEP_TIMEOUT_MS, statementTimeoutMs: STEP_TIMEOUT_MS, signal: abort.signal })
    try {
      // Its own record first: a large spool must not hold up every PIN behind it.
      await store.recordSend(record)
      recorded = true
      let budget: NodeJS.Timeout | undefined
      await Promise.race([drainPostgresSpool(url, store), new Promise((resolve) => (budget = setTimeout(resolve, DRAIN_BUDGET_MS)))])
      clearTimeout(budget)
    } finally {
      await store.close()
    }
  })()
  // Past the deadline the work is abandoned (its connections destroyed); its failure then is moot.
  work.catch(() => undefined)
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`The event store ${shownStoreLocation(url)} did not finish within ${RECORD_DEADLINE_MS / 1000} s`)), RECORD_DEADLINE_MS)
  })
  try {
    await Promise.race([work, deadline])
    return undefined
  } catch (error) {
    if (recorded) return undefined
    reason = error instanceof Error ? error.message : String(error)
  } finally {
    clearTimeout(timer)
    abort.abort()
  }
  const spool = postgresSpoolPath(url)
  try {
    makeDirectories(join(spool, '..'), 0o700)
    appendToSpoolFile(spool, record)
    return spooledWarning(reason, spool)
  } catch (error) {
    // Service units often run with HOME unset or read-only: say which directory and how to move it.
    return `${unspooledWarning(reason, spool, error)} The record is lost; give this user a writable ${join(spool, '..')}, or set XDG_STATE_HOME (or HOME) to a directory it can write.`
  }
}
