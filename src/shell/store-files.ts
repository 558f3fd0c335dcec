import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import { UsageError } from '../core/errors.js'
import { isPostgresUrl } from '../core/store-location.js'

/** An SQLite store's file and those SQLite, send's spool and serve's journal keep beside it. */
const STORE_FILE_SUFFIXES = ['', '-wal', '-shm', '-journal', '.spool', '.journal']

/**
 * Refuses an output file (--html, --rejects) that is the event store or one of its files: a
 * slip of the pen would otherwise replace every event with a web page, exit 0.
 */
export function refuseStoreFileAsOutput(flag: string, target: string, storeLocation: string | undefined): void {
  if (!storeLocation || isPostgresUrl(storeLocation)) return
  const [path, store] = [resolve(target), resolve(storeLocation)]
  // serve's journal segments and lock, a spool being drained: files named after the store's.
  const companion = path.startsWith(store) && /^\.(journal\.|spool\.draining\.|replay\.lock$)/.test(path.slice(store.length))
  const named = companion ? target : STORE_FILE_SUFFIXES.map((suffix) => `${storeLocation}${suffix}`).find((file) => sameFile(target, file))
  if (named) throw new UsageError(`${flag} ${target} is the event store's file ${named}: writing there would destroy it.`, `Give ${flag} another file.`)
}

/** The same path, or two names (a link) of one existing file. */
function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true
  try {
    const [first, second] = [statSync(a), statSync(b)]
    return first.dev === second.dev && first.ino === second.ino
  } catch {
    return false
  }
}
