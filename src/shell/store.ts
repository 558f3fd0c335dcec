import { accessSync, chmodSync, closeSync, constants, existsSync, statSync, fdatasync, fchmodSync, linkSync, openSync, readFileSync, rmSync } from 'node:fs'
import { makeDirectories } from './make-directory.js'
import { dirname } from 'node:path'
import type BetterSqlite3 from 'better-sqlite3'
import type { DeliveryEvent } from '../core/dlr.js'
import { eventIdPrefixRanges, eventIdRanges, hexPrefix, legacyEventId, legacyTimePrefix } from '../core/event-identity.js'
import { StoreError } from '../core/errors.js'
import { PinGrouper, REPORT_MARGIN_MS, SEND_FAILED_SQL, type MessageGroup, type ReportEvent, type ReportSend } from '../core/report.js'
import { describeFileError, errorCodeOf } from '../core/file-errors.js'
import { syncDirectory } from './sync-directory.js'
import type { SendRecord, StoredEvent } from '../core/timeline.js'
import type { AwaitedSend } from '../core/providers/provider.js'
import { coalesceSyncs } from './coalesced-sync.js'
import { drainSpools, readSpooledSends, spoolPath } from './send-spool.js'
import type { EventWriter } from './event-store.js'
import { addProviderIds, addReplayHeads, createTables } from './store-schema.js'

/** Numbered migrations; PRAGMA user_version says how many have run. Never edit one, add one. */
const MIGRATIONS: readonly string[] = [
  createTables('sqlite'),
  addProviderIds('sqlite'),
  // Event ids now come from a report's meaning (docs/event-identity.md). A store that already
  // holds events keeps their old ids; this notes up to which row, so that the same reports,
  // replayed again, are known by their old ids too and not stored twice.
  `CREATE TABLE legacy_event_ids AS SELECT max(rowid) AS last_rowid, lower(hex(max(event_id))) AS newest_id FROM events;`,
  addReplayHeads('sqlite'),
  // check reads the sends of its last minutes: found by time, not by scanning every send.
  `CREATE INDEX IF NOT EXISTS sends_by_sent_at ON sends(sent_at);`,
]

/** How far replay got in one file, found again by the hash of its first line and of its head. */
export interface ReplayProgress {
  identity: string
  path: string
  byteOffset: number
  line: number
  /** Hash of the file's first line: where the search for a file seen before starts. */
  firstLine: string
  /** The file's first headBytes bytes (at most 8 KiB, all already replayed) hash to headHash. */
  headBytes: number
  headHash: string
}

export interface Reject {
  identity: string
  line: number
  path: string
  reason: string
  raw: string
}

export interface EventStore {
  readonly path: string
  recordSend(send: SendRecord): void
  /**
   * The store's writer: events (idempotent), rejects and a replayed file's progress, taken as
   * they are parsed so none is held in memory until the commit. Nothing counts until commit().
   */
  beginBatch(forward: boolean): EventWriter
  /**
   * Resolves once every transaction committed before the call would survive a power cut.
   * Commits go on while it waits: one fsync covers all made meanwhile.
   */
  onDisk(): Promise<void>
  progressFor(identity: string): ReplayProgress | undefined
  /** Every file seen before whose first line hashes to `firstLine`. */
  progressCandidates(firstLine: string): ReplayProgress[]
  /** Rejects of these files, file by file, then by line, one at a time: a replay can have millions. */
  rejectsFor(identities: readonly string[]): IterableIterator<Reject>
  /** Reports still to forward, in pages: pass the last event id seen. */
  pendingForwards(afterEventId: string, limit: number): Array<{ eventId: string; raw: string }>
  markForwarded(eventIds: readonly string[]): void
  find(key: string): { sends: SendRecord[]; events: StoredEvent[] }
  /** The provider's sends since then that carry its id and have no final report yet, oldest first. */
  sendsAwaitingReports(provider: string, sinceIso: string): AwaitedSend[]
  /**
   * For report and check, read as iterated (consume `sends` before `events`): the sends made
   * in [since, until), and the reports Kannel timed from 2 days before `since` (the rest of a
   * PIN sent just before the span) to 2 days after `until` (late reports), plus untimed ones.
   */
  reportInput(sinceMs: number, untilMs: number): { sends: Iterable<ReportSend>; events: Iterable<ReportEvent> }
  /**
   * What groupMessages(collectMessages(reportInput(...))) gives, equal groups added up. With
   * `pins`, only the PINs whose key (message id, or "event:" and event id) is in [from, to):
   * a share of the work for another thread.
   */
  reportGroups(boundaries: readonly number[], pins?: { from: string; to: string }): MessageGroup[]
  /**
   * A PIN key that splits the span's sends into two halves, for two threads; undefined when
   * the span holds fewer than `minSends` sends.
   */
  reportSplit(boundaries: readonly number[], minSends: number): string | undefined
  /** When the report with the latest Kannel time was received (serve's /metrics at start). */
  lastReportReceivedAt(): string | undefined
  /** The page cache, in KiB (2 MiB when opened): replay's random index inserts want more. */
  setCacheKib(kib: number): void
  /** How long later writes wait for another process's lock; see OpenStoreOptions. */
  setBusyTimeout(ms: number): void
  /** Whether a write could start now (within the busy timeout); writes nothing. */
  canWrite(): boolean
  close(): void
}

/** Above every PIN key (message ids and "event:" keys are ASCII): the end of an open range. */
export const PIN_KEY_END = '\u{10FFFF}'

/** What each SQLite result code means for the admin; the longest matching prefix wins. */
const SQLITE_REASONS: ReadonlyArray<[prefix: string, reason: string]> = [
  ['SQLITE_FULL', 'the disk is full'],
  ['SQLITE_READONLY_DIRECTORY', 'its directory is not writable, and SQLite must create <store>-wal and <store>-shm there'],
  ['SQLITE_READONLY_DBMOVED', 'the file was moved or deleted while in use'],
  ['SQLITE_READONLY_RECOVERY', 'it needs recovery after a crash, which needs write access'],
  ['SQLITE_READONLY_CANTINIT', 'it needs write access to <store>-shm, which is missing or read-only'],
  ['SQLITE_READONLY', 'it is not writable (permissions or a read-only file system)'],
  ['SQLITE_CANTOPEN_ISDIR', 'it is a directory'],
  ['SQLITE_CANTOPEN', 'it cannot be opened (a missing or inaccessible directory, or permissions)'],
  ['SQLITE_PERM', 'permission denied'],
  ['SQLITE_AUTH', 'permission denied'],
  ['SQLITE_BUSY', 'it stayed locked by another process'],
  ['SQLITE_LOCKED', 'it stayed locked by another process'],
  ['SQLITE_NOTADB', 'it is not an SQLite database (another program\'s file?)'],
  ['SQLITE_CORRUPT', 'it is damaged (SQLite reports a malformed database)'],
  ['SQLITE_PROTOCOL', 'file locking failed (a network file system?)'],
  ['SQLITE_NOLFS', 'it is too large for this file system'],
  ['SQLITE_TOOBIG', 'a value is too large'],
  ['SQLITE_NOMEM', 'out of memory'],
  ['SQLITE_IOERR', 'input/output error: is the disk full or failing?'],
]

/** better-sqlite3 throws SqliteError with codes like SQLITE_FULL; we name what the admin can fix. */
export function toStoreError(error: unknown, path: string): StoreError {
  if (error instanceof StoreError) return error
  const code = errorCodeOf(error) ?? ''
  const sqlite = SQLITE_REASONS.find(([prefix]) => code.startsWith(prefix))
  const what =
    sqlite ? (code.startsWith('SQLITE_IOERR') ? `${code.includes('READ') ? 'reading it' : 'writing to it'} failed (${code}): is the disk full or failing?` : sqlite[1])
    : /^E[A-Z]+$/.test(code) ? describeFileError(code)
    : `SQLite failed (${code || 'unknown error'})`
  return new StoreError(`The event store ${path} cannot be used: ${what}${what.endsWith('?') ? '' : '.'}`, 'Check smskannel.store (or --store) and the disk it is on.')
}

/**
 * SQLite says only CANTOPEN or READONLY; the file system knows why (read-only, permissions,
 * a directory). Asked here, so the message can say it in words.
 */
function fileSystemCause(error: unknown, path: string, readOnly: boolean): unknown {
  const code = errorCodeOf(error) ?? ''
  // Opened read-only (status), a directory fails only at the first read: SQLITE_IOERR_READ.
  if (code.startsWith('SQLITE_IOERR') && isDirectory(path)) return { code: 'EISDIR' }
  if (!code.startsWith('SQLITE_CANTOPEN') && !code.startsWith('SQLITE_READONLY')) return error
  const checks: Array<[string, number]> = readOnly ? [[path, constants.R_OK]] : [[path, constants.R_OK | constants.W_OK], [dirname(path), constants.W_OK]]
  for (const [target, mode] of checks) {
    try {
      if (target === path && statSync(path).isDirectory()) return { code: 'EISDIR' }
      accessSync(target, mode)
    } catch (cause) {
      if (errorCodeOf(cause) !== undefined) return { code: errorCodeOf(cause) }
    }
  }
  return error
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** SQLite's own failures and the file system's; anything else (a misused API) is a bug. */
function isStorageFailure(error: unknown): boolean {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && (code.startsWith('SQLITE_') || /^E[A-Z]+$/.test(code))
}

export interface OpenStoreOptions {
  /** status: never creates, migrates or writes anything; works on a read-only store. */
  readOnly?: boolean
  /**
   * How long a write waits for another process's (milliseconds). better-sqlite3 waits
   * synchronously: serve passes its callback budget, so a stalled writer costs a quick 503.
   */
  busyTimeoutMs?: number
  /** Mode of a store created now (config's storeFileMode); SQLite gives its -wal and -shm the same. Default 0600. */
  fileMode?: number
}

/** The default wait for another writer: long enough for a replay's commit, short for a person. */
export const DEFAULT_BUSY_TIMEOUT_MS = 10_000
const DEFAULT_CACHE_KIB = 2048
/** Tables every sms-kannel store has had since the first migration. */
const OWN_TABLES = ['sends', 'events', 'replay_files', 'rejects']

/** Opens (creating if needed) the store; loads better-sqlite3 only here, for commands that use it. */
export async function openStore(path: string, options: OpenStoreOptions = {}): Promise<EventStore> {
  const { default: Database } = await import('better-sqlite3')
  const readOnly = options.readOnly ?? false
  let db: BetterSqlite3.Database | undefined
  try {
    if (readOnly) {
      if (!existsSync(path)) throw new StoreError(`The event store ${path} does not exist yet: nothing has been sent or stored with it.`, 'Check smskannel.store (or --store): it must be the file send and feedback write.')
    } else if (!existsSync(path)) {
      createStoreFile(path, Database, options.fileMode ?? 0o600)
    }
    db = readOnly ? openReadOnly(Database, path) : new Database(path, { fileMustExist: true })
    // First of all: every later step may meet another process's lock.
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS}`)
    checkIsOurs(db, path)
    if (!readOnly) {
      // WAL: readers never block the writer. NORMAL is durable across a killed process, and
      // syncs the WAL before and the database after each checkpoint; onDisk() does the rest
      // for those (serve) who need a power cut survived.
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
      // A checkpoint fsyncs the database: every 10,000 pages, not SQLite's 1,000.
      db.pragma('wal_autocheckpoint = 10000')
      migrate(db)
    }
    db.pragma(`cache_size = -${DEFAULT_CACHE_KIB}`)
  } catch (error) {
    db?.close()
    throw isStorageFailure(error) ? toStoreError(fileSystemCause(error, path, readOnly), path) : error
  }
  const store = createEventStore(db, path, createWalSyncer(`${path}-wal`, path))
  if (readOnly) return withSpooledSends(store)
  drainSpools(store)
  return store
}

/** A read-only store cannot take the spool in, but status still shows the sends waiting there. */
function withSpooledSends(store: EventStore): EventStore {
  return {
    ...store,
    find: (key) => {
      const found = store.find(key)
      const known = new Set(found.sends.map((send) => send.messageId))
      const spooled = readSpooledSends(store.path).filter((send) => (send.messageId === key || send.sequence === key) && !known.has(send.messageId))
      return { ...found, sends: [...found.sends, ...spooled] }
    },
  }
}

/**
 * A WAL store is read through <store>-shm, which SQLite must create if missing. Where it cannot
 * (a read-only file system, no writer running, so no -wal either), status reads a copy in
 * memory, marked as a rollback-journal database so SQLite needs no -shm for it.
 */
function openReadOnly(Database: typeof BetterSqlite3, path: string): BetterSqlite3.Database {
  let db: BetterSqlite3.Database | undefined
  try {
    db = new Database(path, { readonly: true, fileMustExist: true })
    db.pragma('user_version')
    return db
  } catch (error) {
    db?.close()
    if (!errorCodeOf(error)?.startsWith('SQLITE_CANTOPEN') || existsSync(`${path}-wal`)) throw error
  }
  const image = readFileSync(path)
  // Bytes 18 and 19 of the header: file format versions, 2 for WAL, 1 for a rollback journal.
  if (image.length >= 100 && image[18] === 2 && image[19] === 2) image.fill(1, 18, 20)
  return new Database(image, { readonly: true })
}

/**
 * The exclusive creation step: a new store is built whole (WAL mode, schema, `mode`) under
 * a private name and linked into place, so the first of many processes starting at once
 * creates it and the others open the finished store; nobody ever sees half a schema.
 */
function createStoreFile(path: string, Database: typeof BetterSqlite3, mode: number): void {
  const directory = dirname(path)
  const made = !existsSync(directory)
  makeDirectories(directory)
  // A group that may write the store must create its -wal, -shm and spool beside it, in its group (setgid).
  if (made && (mode & 0o020) !== 0) chmodSync(directory, 0o2770)
  const building = `${path}.creating.${process.pid}`
  try {
    const fd = openSync(building, 'w', mode)
    try {
      // The umask (022 by default) would take a group's write bit away.
      fchmodSync(fd, mode)
    } finally {
      closeSync(fd)
    }
    const db = new Database(building)
    try {
      db.pragma('journal_mode = WAL')
      migrate(db)
      // Back to one file, so that the link below carries everything.
      db.pragma('wal_checkpoint(TRUNCATE)')
    } finally {
      db.close()
    }
    linkSync(building, path)
  } catch (error) {
    // Another process linked its store first: ours is not needed.
    if (errorCodeOf(error) !== 'EEXIST') throw error
  } finally {
    for (const leftover of [building, `${building}-wal`, `${building}-shm`]) rmSync(leftover, { force: true })
  }
}

/** Refuses a database that is not an sms-kannel store before anything is changed in it. */
function checkIsOurs(db: BetterSqlite3.Database, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number
  const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((row) => row.name))
  if (version > MIGRATIONS.length) {
    throw new StoreError(
      `The event store ${path} was made by a newer sms-kannel (schema version ${version}; this one knows up to ${MIGRATIONS.length}).`,
      'Upgrade sms-kannel on this machine, or point smskannel.store (or --store) at another file.',
    )
  }
  const missing = OWN_TABLES.filter((table) => !tables.has(table))
  // Version 0 with no tables is an empty file (a store being created); anything else must be ours.
  if ((version === 0 && tables.size > 0) || (version > 0 && missing.length > 0)) {
    const foreign = [...tables].filter((table) => !OWN_TABLES.includes(table)).slice(0, 5)
    throw new StoreError(
      `${path} is not an sms-kannel event store${foreign.length > 0 ? ` (it holds other tables: ${foreign.join(', ')})` : ''}; nothing was changed in it.`,
      'Point smskannel.store (or --store) at a new file or at an existing sms-kannel store.',
    )
  }
}

interface WalSyncer {
  onDisk(): Promise<void>
  close(): void
}

/**
 * A WAL commit is on disk once the -wal file is: SQLite keeps that file (same inode) while
 * our connection is open, so one descriptor, opened when first needed, serves for good.
 */
function createWalSyncer(walPath: string, storePath: string): WalSyncer {
  let wal: number | undefined
  const syncs = coalesceSyncs(
    () =>
      new Promise<void>((resolve, reject) => {
        try {
          if (wal === undefined) {
            wal = openSync(walPath, 'r')
            // The -wal file's name must survive a power cut too.
            syncDirectory(dirname(walPath))
          }
        } catch (error) {
          reject(toStoreError(error, storePath))
          return
        }
        fdatasync(wal, (error) => (error ? reject(toStoreError(error, storePath)) : resolve()))
      }),
  )
  return { onDisk: syncs.sync, close: () => wal !== undefined && closeSync(wal) }
}

/** Runs the missing migrations; the version is read inside the write lock, so only one process runs each. */
function migrate(db: BetterSqlite3.Database): void {
  if ((db.pragma('user_version', { simple: true }) as number) === MIGRATIONS.length) return
  db.transaction(() => {
    const applied = db.pragma('user_version', { simple: true }) as number
    for (let version = applied; version < MIGRATIONS.length; version++) {
      db.exec(MIGRATIONS[version]!)
      db.pragma(`user_version = ${version + 1}`)
    }
  }).immediate()
}

/**
 * For a store that held events before ids came from meaning: whether an event is one of
 * those, under its old id or as the same message and DLR type. Undefined for other stores,
 * which pay nothing for it.
 */
function createLegacyCheck(db: BetterSqlite3.Database): ((event: DeliveryEvent) => boolean) | undefined {
  const marker = db.prepare('SELECT last_rowid AS lastRowid, newest_id AS newestId FROM legacy_event_ids').get() as { lastRowid: number | null; newestId: string | null } | undefined
  if (!marker || marker.lastRowid === null || marker.newestId === null) return undefined
  const byOldId = db.prepare('SELECT 1 FROM events WHERE event_id = unhex(?) AND rowid <= ?').pluck()
  const byMeaning = db.prepare('SELECT 1 FROM events WHERE message_id = ? AND status = ? AND rowid <= ?').pluck()
  const { lastRowid } = marker
  // Old ids start with the gateway time: a report made after the newest of them has none.
  const newestTime = marker.newestId.slice(0, 8)
  return (event) =>
    (event.messageId !== null && byMeaning.get(event.messageId, event.status, lastRowid) !== undefined) ||
    // Polled reports (rawFormat json) came after this scheme: they never had an old id.
    (event.rawFormat !== 'json' && legacyTimePrefix({ ...event, rawFormat: event.rawFormat }) <= newestTime && byOldId.get(legacyEventId({ ...event, rawFormat: event.rawFormat }), lastRowid) !== undefined)
}

function createEventStore(db: BetterSqlite3.Database, path: string, syncer: WalSyncer): EventStore {
  const insertSend = db.prepare(
    `INSERT OR REPLACE INTO sends (message_id, sequence, recipient, sent_at, outcome, gateway, provider, provider_id)
     VALUES (@messageId, @sequence, @recipient, @sentAt, @outcome, @gateway, @provider, @providerId)`,
  )
  const insertEvent = db.prepare(
    `INSERT OR IGNORE INTO events (event_id, message_id, sequence, dlr, status, recipient, sender, smsc_id,
       smsc_message_id, smsc_reply, gateway_time, received_at, source, raw, forward_state)
     VALUES (unhex(?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const insertReject = db.prepare('INSERT OR IGNORE INTO rejects (identity, line, path, reason, raw) VALUES (@identity, @line, @path, @reason, @raw)')
  const upsertProgress = db.prepare(
    `INSERT INTO replay_files (identity, path, byte_offset, line, first_line, head_bytes, head_hash)
     VALUES (@identity, @path, @byteOffset, @line, @firstLine, @headBytes, @headHash)
     ON CONFLICT(identity) DO UPDATE SET path = excluded.path, byte_offset = excluded.byte_offset, line = excluded.line,
       first_line = excluded.first_line, head_bytes = excluded.head_bytes, head_hash = excluded.head_hash`,
  )
  const selectRejects = db.prepare('SELECT identity, line, path, reason, raw FROM rejects WHERE identity = ? ORDER BY line')
  const progressColumns = 'identity, path, byte_offset AS byteOffset, line, first_line AS firstLine, head_bytes AS headBytes, head_hash AS headHash'
  const selectProgress = db.prepare(`SELECT ${progressColumns} FROM replay_files WHERE identity = ?`)
  const selectCandidates = db.prepare(`SELECT ${progressColumns} FROM replay_files WHERE first_line = ? ORDER BY head_bytes DESC`)
  const selectPending = db.prepare(
    `SELECT hex(event_id) AS eventId, raw FROM events WHERE forward_state = 'pending' AND event_id > unhex(?) ORDER BY event_id LIMIT ?`,
  )
  const markDone = db.prepare(`UPDATE events SET forward_state = 'done' WHERE event_id = unhex(?)`)
  const selectSends = db.prepare(
    `SELECT message_id AS messageId, sequence, recipient, sent_at AS sentAt, outcome, gateway, provider, provider_id AS providerId
     FROM sends WHERE message_id = ? OR sequence = ?`,
  )
  const selectAwaited = db.prepare(
    `SELECT message_id AS messageId, sequence, provider_id AS providerId FROM sends
     WHERE provider = ? AND sent_at >= ? AND provider_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM events WHERE events.message_id = sends.message_id AND status IN ('delivered', 'undelivered', 'rejected'))
     ORDER BY sent_at`,
  )
  const selectEvents = db.prepare(
    `SELECT lower(hex(event_id)) AS eventId, message_id AS messageId, sequence, dlr, status, smsc_id AS smscId,
       smsc_message_id AS smscMessageId, smsc_reply AS smscReply, gateway_time AS gatewayTime, received_at AS receivedAt
     FROM events WHERE message_id = @key OR sequence = @key
       OR message_id IN (SELECT message_id FROM sends WHERE sequence = @key)`,
  )

  const legacy = createLegacyCheck(db)
  // report reads a million rows a run: rows as arrays, times as epoch ms by SQLite (times
  // without a zone are UTC, as in status), and only what is needed (a reply only on a
  // failure, DLR bits 2 or 16).
  const epochMs = (column: string) => `CAST(round(unixepoch(${column}, 'subsec') * 1000) AS INTEGER)`
  // reportInput (the reference fold the tests check reportGroups against) prepares these at first use, not at every open.
  let reportInputQueries: Record<'sends' | 'untimed' | 'ranged', BetterSqlite3.Statement> | undefined
  const prepareReportInput = () => {
    const reportEventColumns = `lower(hex(event_id)), message_id, dlr, ${epochMs('coalesce(gateway_time, received_at)')},
       smsc_id, CASE WHEN dlr & 18 THEN smsc_reply END`
    return (reportInputQueries ??= {
      sends: db.prepare(`SELECT message_id, ${epochMs('sent_at')}, ${SEND_FAILED_SQL} FROM sends WHERE sent_at >= ? AND sent_at < ?`).raw(),
      // Ranges of the primary key: an event id begins with a time (eventIdRanges), 0 when unknown.
      untimed: db.prepare(`SELECT ${reportEventColumns} FROM events WHERE event_id < x'00000001'`).raw(),
      ranged: db.prepare(`SELECT ${reportEventColumns} FROM events WHERE event_id >= unhex(?) AND event_id < unhex(?)`).raw(),
    })
  }

  const selectLastReport = db.prepare('SELECT max(received_at) AS receivedAt FROM events')
  // reportGroups: every send and report of the span, PIN by PIN, folded by the pure core as
  // SQLite hands them over (an aggregate's steps: no row arrays, no sort of a million rows).
  // The PINs with UUID v7 ids come in the order of events_by_message (their event ids start
  // as their message ids do); the rest (untimed, or timed by Kannel) are few and sorted.
  // Event ids in upper-case hex, the cheapest: all of a PIN's compare alike.
  let grouper: PinGrouper | undefined
  type Value = string | number | null
  const foldReportRow = (_total: number, sentMs: Value, notSent: Value, messageId: Value, eventId: Value, dlr: Value, atMs: Value, smscId: Value, smscReply: Value): void => {
    if (eventId === null) grouper!.send({ messageId: messageId as string, sentAtMs: (sentMs as number | null) ?? Number.NaN, notSent: notSent === 1 })
    else grouper!.event({ eventId: eventId as string, messageId: messageId as string | null, dlr: dlr as number, atMs: (atMs as number | null) ?? Number.NaN, smscId: smscId as string | null, smscReply: smscReply as string | null })
  }
  // @types/better-sqlite3 gives step one value; with varargs it gets every argument.
  db.aggregate('report_pins', { start: 0, varargs: true, step: foldReportRow as unknown as (total: number, next: number) => void })
  const inMessageRange = 'message_id >= @messageFrom AND message_id < @messageTo AND event_id >= unhex(@messageFrom) AND event_id < unhex(@messageTo)'
  const reportEventValues = `hex(event_id), dlr, ${epochMs('coalesce(gateway_time, received_at)')}, smsc_id, CASE WHEN dlr & 18 THEN smsc_reply END`
  // A span that holds most sends reads them all in message-id order; a short one (check) finds
  // them by time and sorts the few ("+sent_at" keeps SQLite off sends_by_sent_at).
  const selectReportPins = (sentAt: string) => db.prepare(
    `SELECT report_pins(sent_ms, not_sent, message_id, event_id, dlr, at_ms, smsc_id, reply) FROM (
       SELECT message_id AS pin, ${epochMs('sent_at')} AS sent_ms, ${SEND_FAILED_SQL} AS not_sent, message_id, NULL AS event_id, NULL AS dlr, NULL AS at_ms, NULL AS smsc_id, NULL AS reply
       FROM sends WHERE ${sentAt} >= @since AND ${sentAt} < @until AND message_id >= @pinFrom AND message_id < @pinTo
       UNION ALL
       SELECT message_id, NULL, NULL, message_id, ${reportEventValues} FROM events
       WHERE message_id >= @pinMessageFrom AND message_id < @pinMessageTo AND event_id >= unhex(@messageFrom) AND event_id < unhex(@messageTo)
       UNION ALL
       SELECT coalesce(message_id, 'event:' || hex(event_id)), NULL, NULL, message_id, ${reportEventValues} FROM events
       WHERE (event_id < x'00000001' OR (event_id >= unhex(@timeFrom) AND event_id < unhex(@timeTo))) AND NOT (${inMessageRange})
         AND coalesce(message_id, 'event:' || hex(event_id)) >= @pinFrom AND coalesce(message_id, 'event:' || hex(event_id)) < @pinTo
       ORDER BY 1
     )`,
  ).pluck()
  // Only report and check use them: prepared at first use, not at every send's open.
  let spanPins: { short: BetterSqlite3.Statement; long: BetterSqlite3.Statement } | undefined
  const selectSpanPins = (short: boolean) => (spanPins ??= { short: selectReportPins('sent_at'), long: selectReportPins('+sent_at') })[short ? 'short' : 'long']
  const countSendsInSpan = db.prepare('SELECT count(*) FROM sends WHERE sent_at >= ? AND sent_at < ?').pluck()
  const lastSendRowid = db.prepare('SELECT coalesce(max(rowid), 0) FROM sends').pluck()
  const nthSendInSpan = db.prepare('SELECT sent_at FROM sends WHERE sent_at >= ? AND sent_at < ? ORDER BY sent_at LIMIT 1 OFFSET ?').pluck()

  const insertOne = (event: DeliveryEvent, forward: boolean): boolean => {
    if (legacy?.(event)) return false
    // Only query-string reports can be re-delivered; bearerbox log lines cannot.
    const forwardState = forward && event.rawFormat === 'query' ? 'pending' : null
    return insertEvent.run(
      event.eventId, event.messageId, event.sequence, event.dlr, event.status, event.recipient, event.sender,
      event.smscId, event.smscMessageId, event.smscReply?.raw ?? null, event.gatewayTime, event.receivedAt,
      JSON.stringify(event.source), event.raw, forwardState,
    ).changes === 1
  }
  const begin = db.prepare('BEGIN IMMEDIATE')
  const commit = db.prepare('COMMIT')
  const rollback = db.prepare('ROLLBACK')

  const guard = <T>(work: () => T): T => {
    try {
      return work()
    } catch (error) {
      throw isStorageFailure(error) ? toStoreError(error, path) : error
    }
  }

  function* guardedRows<T>(rows: () => IterableIterator<T>): Generator<T> {
    try {
      yield* rows()
    } catch (error) {
      throw isStorageFailure(error) ? toStoreError(error, path) : error
    }
  }

  const store: EventStore = {
    path,
    recordSend: (send) => guard(() => void insertSend.run({ provider: 'kannel', providerId: null, ...send })),
    beginBatch: (forward) => {
      let fresh: boolean[] = []
      let open = false
      // BEGIN at the first write: a writer opened but not yet used holds no lock.
      const write = <T>(work: () => T): T =>
        guard(() => {
          if (!open) {
            begin.run()
            open = true
          }
          return work()
        })
      return {
        add: (event, forwardThis = forward) => void fresh.push(write(() => insertOne(event, forwardThis))),
        reject: (reject) => write(() => void insertReject.run(reject)),
        commit: async (progress) => {
          if (!open && !progress) return []
          write(() => {
            if (progress) upsertProgress.run(progress)
            commit.run()
          })
          open = false
          const result = fresh
          fresh = []
          // Sends that found the store locked by this writer wait in the spool: take them in now.
          if (existsSync(spoolPath(path))) drainSpools(store)
          return result
        },
        abandon: async () => {
          fresh = []
          open = false
          if (db.inTransaction) rollback.run()
        },
      }
    },
    onDisk: syncer.onDisk,
    progressFor: (identity) => guard(() => selectProgress.get(identity) as ReplayProgress | undefined),
    progressCandidates: (firstLine) => guard(() => selectCandidates.all(firstLine) as ReplayProgress[]),
    rejectsFor: function* (identities) {
      // File by file along the primary key (identity, line): ORDER BY path put every reject
      // through a temporary B-tree to sort them.
      for (const identity of new Set(identities)) yield* guard(() => selectRejects.iterate(identity) as IterableIterator<Reject>)
    },
    pendingForwards: (afterEventId, limit) => guard(() => selectPending.all(afterEventId, limit) as Array<{ eventId: string; raw: string }>),
    markForwarded: (eventIds) => guard(() => db.transaction(() => eventIds.forEach((id) => markDone.run(id)))()),
    find: (key) =>
      guard(() => ({
        sends: selectSends.all(key, key) as SendRecord[],
        events: selectEvents.all({ key }) as StoredEvent[],
      })),
    sendsAwaitingReports: (provider, sinceIso) => guard(() => selectAwaited.all(provider, sinceIso) as AwaitedSend[]),
    reportInput: (sinceMs, untilMs) => {
      const iso = (ms: number) => new Date(ms).toISOString()
      type SendRow = [string, number | null, number]
      type EventRow = [string | null, string | null, number, number | null, string | null, string | null]
      const queries = prepareReportInput()
      return {
        sends: guardedRows(function* () {
          for (const [messageId, sentAtMs, notSent] of queries.sends.iterate(iso(sinceMs), iso(untilMs)) as IterableIterator<SendRow>) {
            yield { messageId, sentAtMs: sentAtMs ?? Number.NaN, notSent: notSent === 1 } satisfies ReportSend
          }
        }),
        events: guardedRows(function* () {
          // One open iterator at a time: the connection runs one query at once.
          const scans = [() => queries.untimed.iterate(), ...eventIdRanges(sinceMs - REPORT_MARGIN_MS, untilMs + REPORT_MARGIN_MS).map((range) => () => queries.ranged.iterate(range))]
          for (const scan of scans) {
            for (const [eventId, messageId, dlr, atMs, smscId, smscReply] of scan() as IterableIterator<EventRow>) {
              yield { eventId, messageId, dlr, atMs: atMs ?? Number.NaN, smscId, smscReply } satisfies ReportEvent
            }
          }
        }),
      }
    },
    reportGroups: (boundaries, pins = { from: '', to: PIN_KEY_END }) =>
      guard(() => {
        const iso = (ms: number) => new Date(ms).toISOString()
        const sinceMs = boundaries[0]!
        const untilMs = boundaries[boundaries.length - 1]!
        // Unlike reportInput, reports Kannel timed in 1970 (whose ids fall in the message-id range) are left out.
        const { byMessageId, byGatewayTime } = eventIdPrefixRanges(sinceMs - REPORT_MARGIN_MS, untilMs + REPORT_MARGIN_MS)
        const [messageFrom, messageTo, timeFrom, timeTo] = [Math.max(1, byMessageId[0]), byMessageId[1], Math.max(1, byGatewayTime[0]), byGatewayTime[1]].map(hexPrefix)
        grouper = new PinGrouper(boundaries)
        try {
          const [since, until] = [iso(sinceMs), iso(untilMs)]
          const short = (countSendsInSpan.get(since, until) as number) * 4 < (lastSendRowid.get() as number)
          // The message-id range of v7 PINs, narrowed to this share of the PINs.
          const pinMessageFrom = messageFrom! > pins.from ? messageFrom : pins.from
          const pinMessageTo = messageTo! < pins.to ? messageTo : pins.to
          const [pinFrom, pinTo] = [pins.from, pins.to]
          ;selectSpanPins(short).get({ since, until, messageFrom, messageTo, timeFrom, timeTo, pinFrom, pinTo, pinMessageFrom, pinMessageTo })
          return grouper.finish()
        } finally {
          grouper = undefined
        }
      }),
    reportSplit: (boundaries, minSends) =>
      guard(() => {
        const [since, until] = [new Date(boundaries[0]!).toISOString(), new Date(boundaries[boundaries.length - 1]!).toISOString()]
        const sends = countSendsInSpan.get(since, until) as number
        if (sends < minSends) return undefined
        // Message ids begin with their time (ms / 2^16): the median send's splits them in two.
        const median = Date.parse(nthSendInSpan.get(since, until, Math.floor(sends / 2)) as string)
        return Number.isFinite(median) ? hexPrefix(median / 65536) : undefined
      }),
    lastReportReceivedAt: () => guard(() => (selectLastReport.get() as { receivedAt: string | null } | undefined)?.receivedAt ?? undefined),
    canWrite: () => {
      try {
        begin.run()
        rollback.run()
        return true
      } catch {
        return false
      }
    },
    setCacheKib: (kib) => void db.pragma(`cache_size = -${Math.max(0, Math.round(kib))}`),
    setBusyTimeout: (ms) => void db.pragma(`busy_timeout = ${Math.max(0, Math.round(ms))}`),
    close: () => {
      db.close()
      syncer.close()
    },
  }
  return store
}
