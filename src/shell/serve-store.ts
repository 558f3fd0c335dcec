/**
 * The store serve writes: SQLite's (synchronous, embedded) as it is, or PostgreSQL's, whose
 * outages serve rides out in its journal (so it never waits on a busy lock or a disk sync).
 */
import type { ServeStore } from '../commands/serve.js'
import { isPostgresUrl } from '../core/store-location.js'
import type { EventStore } from './store.js'

/** Connections serve keeps to PostgreSQL: its group commit, the journal's drain, forwarding. */
const SERVE_CONNECTIONS = 4

export async function openServeStore(location: string): Promise<ServeStore> {
  if (isPostgresUrl(location)) {
    const { openPostgresStore } = await import('./pg-store.js')
    const store = await openPostgresStore(location, { connections: SERVE_CONNECTIONS })
    return {
      location: store.location,
      localPath: undefined,
      beginBatch: (forward) => store.beginBatch(forward),
      // A commit PostgreSQL acknowledged is on its disk (synchronous_commit, its default).
      onDisk: async () => undefined,
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
