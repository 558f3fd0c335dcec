/**
 * The store serve writes: SQLite's (synchronous, embedded) as it is, or PostgreSQL's, whose
 * outages and restarts serve rides out in its journal.
 */
import type { ServeStore } from '../commands/serve.js'
import { isPostgresUrl } from '../core/store-location.js'
import type { EventStore } from './store.js'

/** Connections serve keeps to PostgreSQL: its group commit, the journal's drain, forwarding. */
const SERVE_CONNECTIONS = 4

export async function openServeStore(location: string): Promise<ServeStore> {
  if (isPostgresUrl(location)) {
    const [{ openPostgresStore }, { StoreError }] = await Promise.all([import('./pg-store.js'), import('../core/errors.js')])
    // Commits do not wait for the server's disk: the journal holds each report until onDisk vouches for it.
    const store = await openPostgresStore(location, { connections: SERVE_CONNECTIONS, asyncCommit: true })
    let startedAt: string
    try {
      startedAt = await store.flushCommits()
    } catch (error) {
      await store.close()
      throw error
    }
    let restarted: ((cause: Error) => void) | undefined
    return {
      location: store.location,
      localPath: undefined,
      beginBatch: (forward) => store.beginBatch(forward),
      onDisk: async () => {
        const now = await store.flushCommits()
        if (now === startedAt) return
        startedAt = now
        // What was committed just before a restart may be gone: the journal still holds it.
        const cause = new StoreError(`The event store ${store.location} restarted (at ${now}): reports stored just before may be lost, and are stored again from the journal.`, 'Nothing to do: serve stores them again.')
        restarted?.(cause)
        throw cause
      },
      watchRestarts: (listener) => {
        restarted = listener
      },
      // A write that fails goes to the journal: serve takes callbacks whatever the database does.
      canWrite: () => true,
      setBusyTimeout: () => undefined,
      // max(received_at) has no index in PostgreSQL: /metrics' age counts from serve's start.
      lastReportReceivedAt: async () => undefined,
      pendingForwards: (afterEventId, limit) => store.pendingForwards(afterEventId, limit),
      markForwarded: (eventIds) => store.markForwarded(eventIds),
      close: () => store.close(),
    }
  }
  const { openStore } = await import('./store.js')
  return adaptSqlite(await openStore(location))
}

function adaptSqlite(store: EventStore): ServeStore {
  return {
    location: store.path,
    localPath: store.path,
    beginBatch: (forward) => store.beginBatch(forward),
    onDisk: () => store.onDisk(),
    canWrite: () => store.canWrite(),
    setBusyTimeout: (ms) => store.setBusyTimeout(ms),
    lastReportReceivedAt: async () => store.lastReportReceivedAt(),
    pendingForwards: async (afterEventId, limit) => store.pendingForwards(afterEventId, limit),
    markForwarded: async (eventIds) => store.markForwarded(eventIds),
    close: async () => store.close(),
  }
}
