/**
 * The store serve writes: SQLite's (synchronous, embedded) as it is, or PostgreSQL's, whose
 * outages and restarts serve rides out in its journal.
 */
import type { ServeStore } from '../commands/serve.js'
import { isPostgresUrl, shownStoreLocation } from '../core/store-location.js'
import type { EventWriter } from './event-store.js'
import type { PostgresEventStore } from './pg-store.js'
import type { EventStore } from './store.js'

/** Connections serve keeps to PostgreSQL: its group commit, the journal's drain, forwarding. */
const SERVE_CONNECTIONS = 4

/** `fileMode`: of an SQLite store created now (config's storeFileMode; default 0600). */
export async function openServeStore(location: string, fileMode?: number): Promise<ServeStore> {
  if (isPostgresUrl(location)) return openPostgresServeStore(location)
  const { openStore } = await import('./store.js')
  return adaptSqlite(await openStore(location, fileMode === undefined ? {} : { fileMode }))
}

function adaptSqlite(store: EventStore): ServeStore {
  return {
    location: store.path,
    localPath: store.path,
    beginBatch: (forward) => store.beginBatch(forward),
    // A file does not restart: nothing committed to it is lost but by a power cut, which onDisk covers.
    restarts: () => 0,
    onDisk: () => store.onDisk(),
    canWrite: () => store.canWrite(),
    setBusyTimeout: (ms) => store.setBusyTimeout(ms),
    lastReportReceivedAt: async () => store.lastReportReceivedAt(),
    pendingForwards: async (afterEventId, limit) => store.pendingForwards(afterEventId, limit),
    markForwarded: async (eventIds) => store.markForwarded(eventIds),
    close: async () => store.close(),
  }
}

/**
 * PostgreSQL for serve. A database that does not answer at start (a StoreError, not a
 * wrong password or a missing database) is no reason not to take callbacks: the store is
 * then opened by the first write that finds it back, and `unreachable` says why it was not.
 */
async function openPostgresServeStore(location: string): Promise<ServeStore> {
  const [{ openPostgresStore }, { StoreError }] = await Promise.all([import('./pg-store.js'), import('../core/errors.js')])
  type Opened = { store: PostgresEventStore; startedAt: string }
  const open = async (): Promise<Opened> => {
    // Commits do not wait for the server's disk: the journal holds each report until onDisk vouches for it.
    const store = await openPostgresStore(location, { connections: SERVE_CONNECTIONS, asyncCommit: true })
    try {
      return { store, startedAt: await store.flushCommits() }
    } catch (error) {
      await store.close()
      throw error
    }
  }
  let opened: Opened | undefined
  let opening: Promise<Opened> | undefined
  let unreachable: Error | undefined
  try {
    opened = await open()
  } catch (error) {
    if (!(error instanceof StoreError)) throw error
    unreachable = error
  }
  const connected = async (): Promise<Opened> =>
    opened ??
    (opening ??= open().then(
      (done) => (opened = done),
      (error: unknown) => {
        opening = undefined
        throw error
      },
    ))
  let restarted: ((cause: Error) => void) | undefined
  // Restarts noticed so far, by any caller: each caller compares with its own mark, never with the last observer's.
  let restarts = 0
  let lastRestart: Error | undefined
  return {
    location: shownStoreLocation(location),
    localPath: undefined,
    unreachable,
    beginBatch: (forward) => (opened ? opened.store.beginBatch(forward) : deferredWriter(async () => (await connected()).store.beginBatch(forward))),
    restarts: () => restarts,
    onDisk: async (since) => {
      const current = await connected()
      const now = await current.store.flushCommits()
      if (now !== current.startedAt) {
        current.startedAt = now
        restarts += 1
        // What was committed just before a restart may be gone: the journal still holds it.
        lastRestart = new StoreError(`The event store ${current.store.location} restarted (at ${now}): reports stored just before may be lost, and are stored again from the journal.`, 'Nothing to do: serve stores them again.')
        restarted?.(lastRestart)
      }
      if (since === restarts) return
      throw lastRestart
    },
    watchRestarts: (listener) => {
      restarted = listener
    },
    // A write that fails goes to the journal: serve takes callbacks whatever the database does.
    canWrite: () => true,
    setBusyTimeout: () => undefined,
    // max(received_at) has no index in PostgreSQL: /metrics' age counts from serve's start.
    lastReportReceivedAt: async () => undefined,
    pendingForwards: async (afterEventId, limit) => (await connected()).store.pendingForwards(afterEventId, limit),
    markForwarded: async (eventIds) => (await connected()).store.markForwarded(eventIds),
    close: async () => {
      const last = opened ?? (await opening?.catch(() => undefined))
      await last?.store.close()
    },
  }
}

/** A writer that holds what it is given until commit, when the store is opened (or fails to be). */
function deferredWriter(open: () => Promise<EventWriter>): EventWriter {
  let taken: Array<(writer: EventWriter) => void> = []
  return {
    add: (event, forward) => void taken.push((writer) => writer.add(event, forward)),
    reject: (reject) => void taken.push((writer) => writer.reject(reject)),
    commit: async (progress) => {
      const writer = await open()
      for (const take of taken) take(writer)
      taken = []
      return writer.commit(progress)
    },
    abandon: async () => {
      taken = []
    },
  }
}
