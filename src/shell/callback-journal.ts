import { closeSync, fdatasync, fstatSync, ftruncateSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { makeDirectories } from './make-directory.js'
import { BusyError, SmsKannelError, StoreError } from '../core/errors.js'
import { describeFileError, errorCodeOf } from '../core/file-errors.js'
import { databaseFileStem, userStateDirectory } from './state-directory.js'
import { syncDirectory } from './sync-directory.js'
import { coalesceSyncs } from './coalesced-sync.js'
import { acquirePidLock } from './pid-lock.js'

/**
 * serve's write-ahead journal for durability full. Each accepted callback is appended as one
 * line and fsynced before its 200; the store itself commits without an fsync. Syncing a few
 * hundred bytes per callback instead of the store's changed pages is what lets one disk keep
 * up with thousands a second.
 *
 * The journal is a set of numbered segment files, PATH.00000001 and on, where PATH is
 * smskannel.journal (by default <store>.journal next to an SQLite store). A segment is
 * deleted only after everything in it is in the store and the store is on disk; until then,
 * a restart re-reads it, and storing a report twice is harmless (it is one event).
 */

export interface JournalRecord {
  /** When serve received the callback, ISO 8601: the event's receive time after recovery too. */
  receivedAt: string
  /** The request target, path and query, exactly as received. */
  target: string
}

export interface JournalRecovery {
  records: JournalRecord[]
  /** Lines that were not records, other than a last line cut short by a crash. */
  damaged: number
  /** Where the damaged segments were kept for a person to look at. */
  keptAs: string[]
}

export interface CallbackJournal {
  /** Appends records; they are on disk once sync() resolves. Throws if the write failed. */
  append(records: readonly JournalRecord[]): void
  /** Resolves once everything appended before the call is on disk. */
  sync(): Promise<void>
  /**
   * Call when the store holds everything appended so far. A large segment is closed and a new
   * one started; the old one is deleted once `storeOnDisk` resolves.
   */
  rotateIfLarge(storeOnDisk: () => Promise<void>): void
  /**
   * Closes the current segment and starts a new one, keeping the old one on disk: a backlog
   * for the drain (the database was down). With `ifLarge`, only a segment over the limit.
   * Returns whether the segment being written is now empty.
   */
  seal(ifLarge?: boolean): boolean
  /** Bytes in the segment being written. */
  readonly currentBytes: number
  /** Number of the segment being written; those below it are closed. */
  readonly currentSegment: number
  /** The write, fsync or new segment that failed, after which the journal takes nothing more. */
  readonly failure: Error | undefined
  close(): void
}

/** 4 MiB is about 20,000 callbacks: small enough to re-read in a moment at start. */
export const SEGMENT_LIMIT_BYTES = 4 * 1024 * 1024
const SEGMENT_DIGITS = 8

/**
 * For a database server there is no file to put it next to: the service's state directory
 * (systemd's StateDirectory=), else the user's ($XDG_STATE_HOME, ~/.local/state), one journal
 * per database, so that what one kept is never stored into another.
 */
export function defaultJournalPath(env: Readonly<Record<string, string | undefined>>, storeUrl: string): string | undefined {
  const directory = defaultJournalDirectory(env)
  return directory ? join(directory, `serve-${databaseFileStem(storeUrl)}.journal`) : undefined
}

function defaultJournalDirectory(env: Readonly<Record<string, string | undefined>>): string | undefined {
  return env['STATE_DIRECTORY']?.split(':')[0] || userStateDirectory(env)
}

/**
 * The journal an earlier version kept by default for whatever database (`serve.journal`), if it
 * still holds segments: whose they are only the admin knows.
 */
export function unnamedJournalLeftovers(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const directory = defaultJournalDirectory(env)
  if (!directory) return undefined
  const path = join(directory, 'serve.journal')
  try {
    return readdirSync(directory).some((name) => name.startsWith('serve.journal.') && /^\d+$/.test(name.slice('serve.journal.'.length))) ? path : undefined
  } catch {
    return undefined
  }
}

/** defaultJournalPath, its directory created (mode 0700: the journal holds each report's query). */
export function prepareDefaultJournal(env: Readonly<Record<string, string | undefined>>, storeUrl: string): string | undefined {
  const path = defaultJournalPath(env, storeUrl)
  if (path) asStoreError(path, () => makeDirectories(dirname(path), 0o700))
  return path
}

/** Segments of this journal, oldest first. */
function listSegments(journalPath: string): Array<{ path: string; number: number }> {
  const directory = dirname(journalPath)
  const prefix = `${basename(journalPath)}.`
  return readdirSync(directory)
    .filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))
    .map((name) => ({ path: join(directory, name), number: Number(name.slice(prefix.length)) }))
    .sort((a, b) => a.number - b.number)
}

/** Bytes in this journal's segments: what a restart would re-read. */
export function journalBytes(journalPath: string): number {
  let bytes = 0
  for (const segment of listSegments(journalPath)) {
    try {
      bytes += statSync(segment.path).size
    } catch {
      // Deleted between listing and stat: it no longer counts.
    }
  }
  return bytes
}

function segmentPath(journalPath: string, number: number): string {
  return `${journalPath}.${String(number).padStart(SEGMENT_DIGITS, '0')}`
}

/** One record per line, as JSON: any byte of a hostile URL is escaped, never a line break. */
export function encodeRecords(records: readonly JournalRecord[]): string {
  let text = ''
  for (const record of records) text += `${JSON.stringify([record.receivedAt, record.target])}\n`
  return text
}

/** Reads records back; a line that is not one is counted, never guessed at. */
export function decodeRecords(text: string): { records: JournalRecord[]; damaged: number } {
  const records: JournalRecord[] = []
  let damaged = 0
  const lines = text.split('\n')
  // Whatever follows the last newline was being written when the process died: never acknowledged.
  lines.pop()
  for (const line of lines) {
    const record = decodeLine(line)
    if (record) records.push(record)
    else damaged += 1
  }
  return { records, damaged }
}

function decodeLine(line: string): JournalRecord | undefined {
  try {
    const value: unknown = JSON.parse(line)
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string' && Number.isFinite(Date.parse(value[0]))) {
      return { receivedAt: value[0], target: value[1] }
    }
  } catch {
    // Counted as damaged below.
  }
  return undefined
}

/** A file-system failure around the journal, named for the admin (exit 74), not as a bug. */
export function journalError(journalPath: string, error: unknown): SmsKannelError {
  if (error instanceof SmsKannelError) return error
  const why = describeFileError(errorCodeOf(error))
  return new StoreError(`serve's journal ${journalPath}.* cannot be used: ${why}.`, "Check that directory's permissions and free space; smskannel.journal (--journal) sets where it is.")
}

function asStoreError<T>(journalPath: string, work: () => T): T {
  try {
    return work()
  } catch (error) {
    throw journalError(journalPath, error)
  }
}

/**
 * One serve per journal: a second would read (and delete) the first one's journal as if it
 * were left by a crash. `store` names the store in the message. Returns the release.
 */
export function lockJournal(journalPath: string, store: string): () => void {
  const lockPath = `${journalPath}.lock`
  return asStoreError(journalPath, () =>
    acquirePidLock(lockPath, (holder) => new BusyError(`Another serve (pid ${holder}) is receiving callbacks into ${store} with the journal ${journalPath}.`, `Stop it first, or give this one its own --store or --journal; a stale lock is ${lockPath}.`)),
  )
}

/**
 * Deletes the journal's segments. Only once the store holds everything in them and is on
 * disk; what was never stored (its callback answered 503) is no loss.
 */
export function discardJournal(journalPath: string): void {
  asStoreError(journalPath, () => {
    for (const segment of listSegments(journalPath)) unlinkSync(segment.path)
    syncDirectory(dirname(journalPath))
  })
}

/** Deletes one closed segment whose records are all in the store. */
export function discardSegment(journalPath: string, number: number): void {
  asStoreError(journalPath, () => {
    try {
      unlinkSync(segmentPath(journalPath, number))
    } catch (error) {
      if (errorCodeOf(error) !== 'ENOENT') throw error
    }
  })
}

/** What earlier runs left: to be stored before new callbacks are taken, then discarded. */
export function readJournal(journalPath: string, now: () => Date): JournalRecovery {
  return asStoreError(journalPath, () => readSegments(journalPath, now, Number.POSITIVE_INFINITY))
}

/** The numbers of this journal's segments, oldest first. */
export function segmentNumbers(journalPath: string): number[] {
  return asStoreError(journalPath, () => listSegments(journalPath).map((segment) => segment.number))
}

/** The records of one closed segment (a backlog), damaged lines set aside as at start. */
export function readSegment(journalPath: string, number: number, now: () => Date): JournalRecovery {
  return asStoreError(journalPath, () => readSegments(journalPath, now, number + 1, number))
}

function readSegments(journalPath: string, now: () => Date, below: number, from = 0): JournalRecovery {
  const recovery: JournalRecovery = { records: [], damaged: 0, keptAs: [] }
  for (const segment of listSegments(journalPath)) {
    if (segment.number < from || segment.number >= below) continue
    const { records, damaged } = decodeRecords(readFileSync(segment.path, 'utf8'))
    recovery.records.push(...records)
    if (damaged > 0) {
      // Kept, not deleted with the rest: a person may be able to read what we could not.
      const keptAs = `${segment.path}.damaged-${now().getTime()}`
      renameSync(segment.path, keptAs)
      recovery.damaged += damaged
      recovery.keptAs.push(keptAs)
    }
  }
  return recovery
}

export function openCallbackJournal(journalPath: string): CallbackJournal {
  return asStoreError(journalPath, () => createJournal(journalPath))
}

function createJournal(journalPath: string): CallbackJournal {
  const directory = dirname(journalPath)
  let number = (listSegments(journalPath).at(-1)?.number ?? 0) + 1
  const openSegment = () => {
    const fd = openSync(segmentPath(journalPath, number), 'a', 0o600)
    // The new file's name must be on disk before anything in it is acknowledged.
    syncDirectory(directory)
    return { fd, number, size: fstatSync(fd).size }
  }
  let current = openSegment()
  let closed: Array<{ fd: number; number: number }> = []
  let rotating = false
  let failure: Error | undefined
  const syncs = coalesceSyncs(
    () =>
      new Promise<void>((resolve, reject) =>
        fdatasync(current.fd, (error) => {
          // After a failed fsync the kernel may have dropped the pages: nothing later can vouch for them.
          if (error) failure ??= error
          if (failure) reject(failure)
          else resolve()
        }),
      ),
  )

  const remove = (segment: { fd: number; number: number }) => {
    closeSync(segment.fd)
    try {
      unlinkSync(segmentPath(journalPath, segment.number))
    } catch (error) {
      // A database's drain may have stored and deleted it already.
      if (errorCodeOf(error) !== 'ENOENT') throw error
    }
  }

  return {
    append(records) {
      if (failure) throw failure
      const data = Buffer.from(encodeRecords(records))
      let written = 0
      try {
        while (written < data.length) written += writeSync(current.fd, data, written)
        current.size += written
      } catch (error) {
        // A half-written line would swallow the next record: cut it off, or stop taking any.
        try {
          ftruncateSync(current.fd, current.size)
        } catch {
          failure ??= error as Error
        }
        throw error
      }
    },
    sync: () => (failure ? Promise.reject(failure) : syncs.sync()),
    rotateIfLarge(storeOnDisk) {
      // Only between groups: a sync in flight or queued covers the current segment's fd.
      if (rotating || failure || !syncs.idle || current.size < SEGMENT_LIMIT_BYTES) return
      rotating = true
      const old = current
      number += 1
      try {
        current = openSegment()
      } catch {
        current = old
        rotating = false
        return
      }
      closed.push(old)
      storeOnDisk()
        .then(() => {
          const done = closed
          closed = []
          done.forEach(remove)
        })
        // Not deleted: the next start re-reads it, which stores nothing twice.
        .catch(() => undefined)
        .finally(() => {
          rotating = false
        })
    },
    seal(ifLarge = false) {
      if (current.size === 0) return true
      // Between groups only, as rotateIfLarge.
      if (failure || !syncs.idle || (ifLarge && current.size < SEGMENT_LIMIT_BYTES)) return false
      const old = current
      number += 1
      try {
        current = openSegment()
      } catch (error) {
        current = old
        number -= 1
        // Its records could no longer be told from stored ones: take no more callbacks.
        failure ??= error as Error
        return false
      }
      closeSync(old.fd)
      return true
    },
    get currentBytes() {
      return current.size
    },
    get currentSegment() {
      return current.number
    },
    get failure() {
      return failure
    },
    close() {
      for (const segment of [...closed, current]) closeSync(segment.fd)
    },
  }
}
