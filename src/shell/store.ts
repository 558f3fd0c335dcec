import { closeSync, fdatasync, fsyncSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import type BetterSqlite3 from 'better-sqlite3'
import type { DeliveryEvent } from '../core/dlr.js'
import { legacyEventId, timePrefix } from '../core/event-identity.js'
import { StoreError } from '../core/errors.js'
import type { SendRecord, StoredEvent } from '../core/timeline.js'
import { coalesceSyncs } from './coalesced-sync.js'

/** Numbered migrations; PRAGMA user_version says how many have run. Never edit one, add one. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE sends (
     message_id TEXT PRIMARY KEY,
     sequence TEXT,
     recipient TEXT NOT NULL,
     sent_at TEXT NOT NULL,
     outcome TEXT NOT NULL,
     gateway TEXT NOT NULL
   );
   CREATE INDEX sends_by_sequence ON sends(sequence);
   CREATE TABLE events (
     event_id BLOB PRIMARY KEY,
     message_id TEXT,
     sequence TEXT,
     dlr INTEGER NOT NULL,
     status TEXT NOT NULL,
     recipient TEXT,
     sender TEXT,
     smsc_id TEXT,
     smsc_message_id TEXT,
     smsc_reply TEXT,
     gateway_time TEXT,
     received_at TEXT NOT NULL,
     source TEXT NOT NULL,
     raw TEXT NOT NULL,
     forward_state TEXT
   );
   CREATE INDEX events_by_message ON events(message_id) WHERE message_id IS NOT NULL;
   CREATE INDEX events_by_sequence ON events(sequence) WHERE sequence IS NOT NULL;
   CREATE INDEX events_to_forward ON events(forward_state) WHERE forward_state = 'pending';
   CREATE TABLE replay_files (
     identity TEXT PRIMARY KEY,
     path TEXT NOT NULL,
     byte_offset INTEGER NOT NULL,
     line INTEGER NOT NULL
   );
   CREATE TABLE rejects (
     identity TEXT NOT NULL,
     line INTEGER NOT NULL,
     path TEXT NOT NULL,
     reason TEXT NOT NULL,
     raw TEXT NOT NULL,
     PRIMARY KEY (identity, line)
   );`,
  // Event ids now come from a report's meaning (docs/event-identity.md). A store that already
  // holds events keeps their old ids; this notes up to which row, so that the same reports,
  // replayed again, are known by their old ids too and not stored twice.
  `CREATE TABLE legacy_event_ids AS SELECT max(rowid) AS last_rowid, lower(hex(max(event_id))) AS newest_id FROM events;`,
]

/** How far replay got in one file, found again by the file's identity (its first line). */
export interface ReplayProgress {
  identity: string
  path: string
  byteOffset: number
  line: number
}

export interface Reject {
  identity: string
  line: number
  path: string
  reason: string
  raw: string
}

export interface BatchWriter {
  /** Whether the event was new (false: stored before); `forward` overrides the batch's. */
  add(event: DeliveryEvent, forward?: boolean): boolean
  reject(reject: Reject): void
  /** Commits everything added, with the file's progress. */
  commit(progress: ReplayProgress): void
  /** Drops everything added; safe to call after a failed add or commit. */
  abandon(): void
}

export interface EventStore {
  readonly path: string
  recordSend(send: SendRecord): void
  /**
   * Replay's transaction: events (idempotent), rejects and the file's progress, taken as they
   * are parsed so none is held in memory until the commit. Nothing of it counts until commit().
   */
  beginBatch(forward: boolean): BatchWriter
  /** One transaction; for each event, whether it was new (false: stored before). */
  recordEvents(events: readonly DeliveryEvent[], forward: boolean): boolean[]
  /**
   * Resolves once every transaction committed before the call would survive a power cut.
   * Commits go on while it waits: one fsync covers all made meanwhile.
   */
  onDisk(): Promise<void>
  progressFor(identity: string): ReplayProgress | undefined
  /** Rejects of these files, file by file, then by line, one at a time: a replay can have millions. */
  rejectsFor(identities: readonly string[]): IterableIterator<Reject>
  /** Reports still to forward, in pages: pass the last event id seen. */
  pendingForwards(afterEventId: string, limit: number): Array<{ eventId: string; raw: string }>
  markForwarded(eventIds: readonly string[]): void
  find(key: string): { sends: SendRecord[]; events: StoredEvent[] }
  close(): void
}

/** better-sqlite3 throws SqliteError with codes like SQLITE_FULL; we name what the admin can fix. */
export function toStoreError(error: unknown, path: string): StoreError {
  const code = (error as { code?: string }).code ?? ''
  const what =
    code === 'SQLITE_FULL' ? 'the disk is full'
    : code === 'SQLITE_READONLY' || code === 'EACCES' || code === 'SQLITE_CANTOPEN' ? 'it is not writable (permissions or a read-only file system)'
    : code === 'SQLITE_BUSY' ? 'it stayed locked by another process'
    : code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' ? 'it is not an sms-kannel store or is damaged'
    : code.startsWith('SQLITE_IOERR') || code === 'ENOSPC' || code === 'EIO' ? `writing to it failed (${code}): is the disk full or failing?`
    : `SQLite failed (${code || 'unknown error'})`
  return new StoreError(`The event store ${path} cannot be used: ${what}.`, 'Check smskannel.store (or --store) and the disk it is on.')
}

/** SQLite's own failures and the file system's; anything else (a misused API) is a bug. */
function isStorageFailure(error: unknown): boolean {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && (code.startsWith('SQLITE_') || /^E[A-Z]+$/.test(code))
}

/** Opens (creating if needed) the store; loads better-sqlite3 only here, for commands that use it. */
export async function openStore(path: string): Promise<EventStore> {
  const { default: Database } = await import('better-sqlite3')
  let db: BetterSqlite3.Database
  try {
    mkdirSync(dirname(path), { recursive: true })
    db = new Database(path)
    // WAL: readers never block the writer. NORMAL is durable across a killed process, and
    // syncs the WAL before and the database after each checkpoint; onDisk() does the rest
    // for those (serve) who need a power cut survived.
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    // Many sends at once and a replay share one file; wait rather than fail on a lock.
    db.pragma('busy_timeout = 10000')
    // Measured on replay: checkpointing every 1,000 pages cost ~40% of insert time; a
    // 64 MB page cache cost 55 MB of peak memory and saved nothing.
    db.pragma('wal_autocheckpoint = 10000')
    db.pragma('cache_size = -2048')
    migrate(db)
  } catch (error) {
    throw isStorageFailure(error) ? toStoreError(error, path) : error
  }
  return createEventStore(db, path, createWalSyncer(`${path}-wal`, path))
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
            const directory = openSync(dirname(walPath), 'r')
            try {
              fsyncSync(directory)
            } finally {
              closeSync(directory)
            }
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

function migrate(db: BetterSqlite3.Database): void {
  const applied = db.pragma('user_version', { simple: true }) as number
  if (applied > MIGRATIONS.length) {
    throw Object.assign(new Error('newer schema'), { code: 'SQLITE_NOTADB' })
  }
  for (let version = applied; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      // Another process may have run it since user_version was read: the lock is ours only now.
      if ((db.pragma('user_version', { simple: true }) as number) > version) return
      db.exec(MIGRATIONS[version]!)
      db.pragma(`user_version = ${version + 1}`)
    }).immediate()
  }
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
    (timePrefix(event.gatewayTime) <= newestTime && byOldId.get(legacyEventId(event), lastRowid) !== undefined)
}

function createEventStore(db: BetterSqlite3.Database, path: string, syncer: WalSyncer): EventStore {
  const insertSend = db.prepare(
    `INSERT OR REPLACE INTO sends (message_id, sequence, recipient, sent_at, outcome, gateway)
     VALUES (@messageId, @sequence, @recipient, @sentAt, @outcome, @gateway)`,
  )
  const insertEvent = db.prepare(
    `INSERT OR IGNORE INTO events (event_id, message_id, sequence, dlr, status, recipient, sender, smsc_id,
       smsc_message_id, smsc_reply, gateway_time, received_at, source, raw, forward_state)
     VALUES (unhex(?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const insertReject = db.prepare('INSERT OR IGNORE INTO rejects (identity, line, path, reason, raw) VALUES (@identity, @line, @path, @reason, @raw)')
  const upsertProgress = db.prepare(
    `INSERT INTO replay_files (identity, path, byte_offset, line) VALUES (@identity, @path, @byteOffset, @line)
     ON CONFLICT(identity) DO UPDATE SET path = excluded.path, byte_offset = excluded.byte_offset, line = excluded.line`,
  )
  const selectRejects = db.prepare('SELECT identity, line, path, reason, raw FROM rejects WHERE identity = ? ORDER BY line')
  const selectProgress = db.prepare('SELECT identity, path, byte_offset AS byteOffset, line FROM replay_files WHERE identity = ?')
  const selectPending = db.prepare(
    `SELECT hex(event_id) AS eventId, raw FROM events WHERE forward_state = 'pending' AND event_id > unhex(?) ORDER BY event_id LIMIT ?`,
  )
  const markDone = db.prepare(`UPDATE events SET forward_state = 'done' WHERE event_id = unhex(?)`)
  const selectSends = db.prepare(
    'SELECT message_id AS messageId, sequence, recipient, sent_at AS sentAt, outcome, gateway FROM sends WHERE message_id = ? OR sequence = ?',
  )
  const selectEvents = db.prepare(
    `SELECT lower(hex(event_id)) AS eventId, message_id AS messageId, sequence, dlr, status, smsc_id AS smscId,
       smsc_message_id AS smscMessageId, smsc_reply AS smscReply, gateway_time AS gatewayTime, received_at AS receivedAt
     FROM events WHERE message_id = @key OR sequence = @key
       OR message_id IN (SELECT message_id FROM sends WHERE sequence = @key)`,
  )

  const legacy = createLegacyCheck(db)
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
  const recordEvents = db.transaction((events: readonly DeliveryEvent[], forward: boolean) => events.map((event) => insertOne(event, forward)))

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

  return {
    path,
    recordSend: (send) => guard(() => void insertSend.run(send)),
    beginBatch: (forward) => {
      guard(() => begin.run())
      return {
        add: (event, forwardThis = forward) => guard(() => insertOne(event, forwardThis)),
        reject: (reject) => guard(() => void insertReject.run(reject)),
        commit: (progress) =>
          guard(() => {
            upsertProgress.run(progress)
            commit.run()
          }),
        abandon: () => {
          if (db.inTransaction) rollback.run()
        },
      }
    },
    recordEvents: (events, forward) => guard(() => recordEvents.immediate(events, forward)),
    onDisk: syncer.onDisk,
    progressFor: (identity) => guard(() => selectProgress.get(identity) as ReplayProgress | undefined),
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
    close: () => {
      db.close()
      syncer.close()
    },
  }
}
