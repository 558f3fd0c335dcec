import { closeSync, fchmodSync, fdatasyncSync, fstatSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { describeFileError, errorCodeOf } from '../core/file-errors.js'
import type { SendRecord } from '../core/timeline.js'
import type { EventStore } from './store.js'

/**
 * Send records the store could not take at that moment (locked too long, disk full for a
 * moment) wait in `<store>.spool`, one JSON line each, mode 0600 (0660 with smskannel.storegroupwrite).
 * The next command that opens the store for writing stores them and deletes the file; status shows them meanwhile.
 */
export function spoolPath(storePath: string): string {
  return `${storePath}.spool`
}

/**
 * A send waits at most this long for another writer, then spools its record. A replay takes
 * the lock again right after each commit, and SQLite's busy wait polls only every 100 ms, so
 * a send can starve behind a long replay: the replay stores the spool at each commit instead.
 */
export const SEND_BUSY_TIMEOUT_MS = 2_000


/** Appends one record, on disk before returning; a new spool gets `mode`. Throws if even that fails. */
export function appendToSpool(storePath: string, record: SendRecord, mode: number): string {
  return appendToSpoolFile(spoolPath(storePath), record, mode)
}

/** Appends one record to this spool file (created with `mode`, 0600 by default), on disk before returning. */
export function appendToSpoolFile(path: string, record: SendRecord, mode = 0o600): string {
  // A line of its own even after a tail torn by a crash or a full disk: parseSpool skips the blank.
  const line = Buffer.from(`\n${JSON.stringify(record)}\n`)
  for (let attempt = 0; attempt < 3; attempt++) {
    const fd = openForAppend(path, mode)
    try {
      for (let written = 0; written < line.length; ) written += writeSync(fd, line, written)
      fdatasyncSync(fd)
      // A drainer may have taken the file away while we wrote: then write it again to the
      // new one (storing a send twice is harmless: one row per message id).
      if (sameFile(fstatSync(fd), path)) return path
    } finally {
      closeSync(fd)
    }
  }
  return path
}

/** Opens the file to append, creating it with exactly `mode`: the umask would take a group's write bit away. */
function openForAppend(path: string, mode: number): number {
  let fd: number
  try {
    fd = openSync(path, 'ax', mode)
  } catch (error) {
    if (errorCodeOf(error) !== 'EEXIST') throw error
    return openSync(path, 'a')
  }
  try {
    fchmodSync(fd, mode)
  } catch (error) {
    closeSync(fd)
    throw error
  }
  return fd
}

function sameFile(opened: { ino: number; dev: number }, path: string): boolean {
  try {
    const now = statSync(path)
    return now.ino === opened.ino && now.dev === opened.dev
  } catch {
    return false
  }
}

/** Spooled records of this store, for status to show before they are stored. */
export function readSpooledSends(storePath: string): SendRecord[] {
  return spoolFiles(spoolPath(storePath)).flatMap((file) => parseSpool(readUnlessUnreadable(file) ?? ''))
}

/**
 * Stores what the spool holds and deletes it. A file this command cannot read (another user's,
 * 0600) stays; when the store refuses a record, the rest stays too, for the next command.
 */
export function drainSpools(store: EventStore): void {
  try {
    for (const file of claimSpool(spoolPath(store.path))) {
      const text = readUnlessUnreadable(file)
      if (text === undefined) continue
      for (const record of parseSpool(text)) store.recordSend(record)
      unlinkSync(file)
    }
  } catch {
    // Kept: the next command that opens the store tries again.
  }
}

/**
 * drainSpools for a store whose writes are asynchronous (PostgreSQL), each file in one call of
 * `storeRecords` (a few round trips for thousands); how many records it stored.
 */
export async function drainSpoolFile(spool: string, storeRecords: (records: SendRecord[]) => Promise<void>): Promise<number> {
  let stored = 0
  try {
    for (const file of claimSpool(spool)) {
      const text = readUnlessUnreadable(file)
      if (text === undefined) continue
      const records = parseSpool(text)
      await storeRecords(records)
      stored += records.length
      unlinkSync(file)
    }
  } catch {
    // Kept: the next command that opens the store tries again.
  }
  return stored
}

/** A spool's text; undefined when it is gone (another drainer) or this user may not read it, so it is left alone. */
function readUnlessUnreadable(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/**
 * Moves the spool aside, so that sends append to a new one meanwhile, and lists it with any
 * that a command which died while draining left behind.
 */
function claimSpool(spool: string): string[] {
  try {
    renameSync(spool, `${spool}.draining.${process.pid}.${Date.now()}`)
  } catch (error) {
    if (errorCodeOf(error) !== 'ENOENT') return []
  }
  return spoolFiles(spool).filter((candidate) => candidate !== spool)
}

/** The spool and any drained by a command that died before it finished. */
function spoolFiles(spool: string): string[] {
  const prefix = basename(spool)
  let names: string[]
  try {
    names = readdirSync(dirname(spool))
  } catch {
    return []
  }
  return names.filter((name) => name === prefix || name.startsWith(`${prefix}.draining.`)).map((name) => join(dirname(spool), name))
}

/** A line cut short by a crash, or anything that is not a record, is skipped. */
function parseSpool(text: string): SendRecord[] {
  const records: SendRecord[] = []
  for (const line of text.split('\n')) {
    try {
      const value = JSON.parse(line) as Partial<SendRecord>
      if (typeof value.messageId === 'string' && typeof value.recipient === 'string' && typeof value.sentAt === 'string' && typeof value.outcome === 'string' && typeof value.gateway === 'string') {
        const record: SendRecord = { messageId: value.messageId, sequence: typeof value.sequence === 'string' ? value.sequence : null, recipient: value.recipient, sentAt: value.sentAt, outcome: value.outcome, gateway: value.gateway }
        // Without them an SMS4.de send would be a Kannel one, and feedback --poll would never ask about it.
        if (typeof value.provider === 'string') record.provider = value.provider
        if (typeof value.providerId === 'string') record.providerId = value.providerId
        records.push(record)
      }
    } catch {
      // Not a record.
    }
  }
  return records
}

/**
 * Records a send in the store, or, when the store cannot take it now, in the spool. Returns
 * a warning for the person (undefined when stored); the send itself never fails for this.
 */
export async function recordSendOrSpool(storePath: string, record: SendRecord, fileMode: number): Promise<string | undefined> {
  let reason: string
  try {
    const { openStore } = await import('./store.js')
    const store = await openStore(storePath, { busyTimeoutMs: SEND_BUSY_TIMEOUT_MS, fileMode })
    try {
      store.recordSend(record)
      return undefined
    } finally {
      store.close()
    }
  } catch (error) {
    reason = error instanceof Error ? error.message : String(error)
  }
  try {
    const path = appendToSpool(storePath, record, fileMode)
    return spooledWarning(reason, path)
  } catch (error) {
    return unspooledWarning(reason, spoolPath(storePath), error)
  }
}

/** send's warning when the store failed and the record went to the spool; `reason` is a sentence of its own. */
export function spooledWarning(reason: string, spool: string): string {
  return `not recorded in the event store now. ${asSentence(reason)} Kept in ${spool}, stored by the next command that opens the store.`
}

/** send's warning when neither the store nor the spool took the record. */
export function unspooledWarning(reason: string, spool: string, error: unknown): string {
  return `not recorded in the event store. ${asSentence(reason)} The spool ${spool} could not be written either: ${describeFileError(errorCodeOf(error))}.`
}

function asSentence(text: string): string {
  return /[.?!]$/.test(text) ? text : `${text}.`
}
