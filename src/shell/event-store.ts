/**
 * The event store as every back end offers it: asynchronous, because a network database is.
 * SQLite (synchronous, embedded) is adapted; PostgreSQL (src/shell/pg-store.ts) implements it.
 */
import type { DeliveryEvent } from '../core/dlr.js'
import { isPostgresUrl, shownStoreLocation } from '../core/store-location.js'
import type { SendRecord, StoredEvent } from '../core/timeline.js'
import type { AwaitedSend } from '../core/providers/provider.js'
import type { MessageGroup } from '../core/report.js'
import type { ReportThreadOptions } from './report-threads.js'
import type { SqliteRowCopier } from './sqlite-rows.js'
import type { EventStore, ReplayProgress, Reject } from './store.js'
import { storeTables, type StoreTable } from './store-schema.js'

/**
 * The one way events go into a store: a transaction that add() and reject() fill as lines
 * are parsed (they return at once, so a line loop stays synchronous), and commit() ends.
 * SQLite writes each row into its open transaction; PostgreSQL holds the rows and writes
 * them at commit() in multi-row statements.
 */
export interface EventWriter {
  /** `forward` overrides the writer's: an unsigned report is stored but never forwarded. */
  add(event: DeliveryEvent, forward?: boolean): void
  reject(reject: Reject): void
  /**
   * Commits everything added, with a replayed file's progress when given; for each event
   * added, in order, whether it was new (false: stored before, or earlier in this writer).
   */
  commit(progress?: ReplayProgress): Promise<boolean[]>
  /** Drops everything added; safe to call after a failed add or commit. */
  abandon(): Promise<void>
}

/** Stores events in one transaction: for each, whether it was new. */
export async function storeEvents(store: { beginBatch(forward: boolean): EventWriter }, events: readonly DeliveryEvent[], forward: boolean): Promise<boolean[]> {
  const writer = store.beginBatch(forward)
  try {
    for (const event of events) writer.add(event)
    return await writer.commit()
  } catch (error) {
    await writer.abandon()
    throw error
  }
}

export interface SharedEventStore {
  /** Where the store is, as it may be shown: a URL's password is hidden. */
  readonly location: string
  /** The SQLite file, next to which replay's rejects file goes by default; none for a database server. */
  readonly localPath: string | undefined
  /**
   * Runs a replay so that no other replay of this store, on this node or another, overlaps
   * it; one that would is refused (BusyError) rather than kept waiting behind cron.
   */
  exclusiveReplay<T>(work: () => Promise<T>): Promise<T>
  recordSend(send: SendRecord): Promise<void>
  /** Many sends at once (a spool drained), a few round trips in all: the last record of a message id wins. */
  recordSends(sends: readonly SendRecord[]): Promise<void>
  /** Opens the store's writer; `forward` marks query reports for --forward. */
  beginBatch(forward: boolean): EventWriter
  progressFor(identity: string): Promise<ReplayProgress | undefined>
  /** Every file seen before whose first line hashes to `firstLine`, the longest recorded head first. */
  progressCandidates(firstLine: string): Promise<ReplayProgress[]>
  /** Rejects of these files, file by file, then by line. */
  rejectsFor(identities: readonly string[]): AsyncIterable<Reject>
  /** Reports still to forward, in pages: pass the last event id seen. */
  pendingForwards(afterEventId: string, limit: number): Promise<Array<{ eventId: string; raw: string }>>
  markForwarded(eventIds: readonly string[]): Promise<void>
  find(key: string): Promise<{ sends: SendRecord[]; events: StoredEvent[] }>
  /** The provider's sends since then that carry its id and have no final report yet, oldest first. */
  sendsAwaitingReports(provider: string, sinceIso: string): Promise<AwaitedSend[]>
  /** A table's rows after `after` (by key, in key order), event ids as hex: for `store copy`. */
  exportRows(table: StoreTable, after: StoreRow | undefined, limit: number): Promise<StoreRow[]>
  /** One transaction: inserts the rows whose key is not there yet; how many were new. */
  importRows(table: StoreTable, rows: readonly StoreRow[]): Promise<number>
  /** For report and check: the PINs of the span, in groups (see the SQLite store's reportGroups). */
  reportGroups(boundaries: readonly number[]): Promise<MessageGroup[]>
  close(): Promise<void>
}

/** The tables a store holds, keyed as both back ends key them; `integer` columns are numbers. */
export const STORE_TABLES = storeTables()

export type { StoreTable }
export type StoreRow = Record<string, string | number | null>

export interface OpenOptions {
  /** PostgreSQL only: connections kept open (serve wants several; one-shot commands one). */
  connections?: number
  /**
   * PostgreSQL only: commit without waiting for the server's disk (synchronous_commit off),
   * for serve, whose journal holds each report until flushCommits() has vouched for it.
   */
  asyncCommit?: boolean
  /** PostgreSQL only: how long connecting may take (default 10 s). */
  connectTimeoutMs?: number
  /** SQLite only: open for reading (status), as openStore's readOnly. */
  readOnly?: boolean
  /** SQLite only: the mode of a store created now, as openStore's fileMode. */
  fileMode?: number
  /** SQLite only: report's threads (report --threads); PostgreSQL folds what its server sorted. */
  reportThreads?: ReportThreadOptions
}

/** Opens the store smskannel.store names: an SQLite file, or a postgres:// URL. */
export async function openEventStore(location: string, options: OpenOptions = {}): Promise<SharedEventStore> {
  if (isPostgresUrl(location)) {
    const [{ openPostgresStore }, { drainPostgresSpool }] = await Promise.all([import('./pg-store.js'), import('./pg-send-spool.js')])
    const store = await openPostgresStore(location, options)
    // Sends this node could not record while the database was away are stored now.
    await drainPostgresSpool(location, store)
    return store
  }
  const [{ openStore }, { openSqliteRowCopier }] = await Promise.all([import('./store.js'), import('./sqlite-rows.js')])
  const store = await openStore(location, options.readOnly ? { readOnly: true } : options.fileMode === undefined ? {} : { fileMode: options.fileMode })
  const { default: Database } = await import('better-sqlite3')
  return adaptSqliteStore(store, () => openSqliteRowCopier(new Database(location), location), options.reportThreads)
}

/** The SQLite store behind the async interface; each call runs (synchronously) at once. */
export function adaptSqliteStore(store: EventStore, openCopier: () => SqliteRowCopier = unavailableCopier, reportThreads: ReportThreadOptions = { threads: 'auto', warn: () => undefined }): SharedEventStore {
  const run = async <T>(work: () => T): Promise<T> => work()
  let copier: SqliteRowCopier | undefined
  const rows = () => (copier ??= openCopier())
  return {
    location: shownStoreLocation(store.path),
    localPath: store.path,
    exclusiveReplay: async (work) => {
      const { REPLAY_CACHE_KIB, withReplayLock } = await import('./replay.js')
      store.setCacheKib(REPLAY_CACHE_KIB)
      return withReplayLock(store.path, work)
    },
    recordSend: (send) => run(() => store.recordSend(send)),
    recordSends: (sends) => run(() => sends.forEach((send) => store.recordSend(send))),
    beginBatch: (forward) => store.beginBatch(forward),
    progressFor: (identity) => run(() => store.progressFor(identity)),
    progressCandidates: (firstLine) => run(() => store.progressCandidates(firstLine)),
    rejectsFor: (identities) => toAsync(store.rejectsFor(identities)),
    pendingForwards: (afterEventId, limit) => run(() => store.pendingForwards(afterEventId, limit)),
    markForwarded: (eventIds) => run(() => store.markForwarded(eventIds)),
    find: (key) => run(() => store.find(key)),
    sendsAwaitingReports: (provider, sinceIso) => run(() => store.sendsAwaitingReports(provider, sinceIso)),
    exportRows: (table, after, limit) => run(() => rows().export(table, after, limit)),
    importRows: (table, imported) => run(() => rows().import(table, imported)),
    reportGroups: async (boundaries) => (await import('./report-threads.js')).reportGroupsInTwo(store, boundaries, reportThreads),
    close: () =>
      run(() => {
        copier?.close()
        store.close()
      }),
  }
}

function unavailableCopier(): never {
  throw new Error('this store was opened without row copying')
}

async function* toAsync<T>(items: Iterable<T>): AsyncIterable<T> {
  yield* items
}
