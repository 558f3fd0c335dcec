/**
 * Group commit's fsync, shared by the store's WAL and serve's journal. `syncOnce` makes
 * durable everything written before it starts. A caller arriving while one runs waits for
 * the next (the running one may have started before the caller's write), and all callers
 * that arrive meanwhile share that next one.
 */
export interface CoalescedSync {
  sync(): Promise<void>
  /** No sync running or waiting to run. */
  readonly idle: boolean
}

export function coalesceSyncs(syncOnce: () => Promise<void>): CoalescedSync {
  let running: Promise<void> | undefined
  let queued: Promise<void> | undefined
  const sync = (): Promise<void> => {
    if (!running) {
      running = syncOnce().finally(() => {
        running = undefined
      })
      return running
    }
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined
        return sync()
      })
    return queued
  }
  return {
    sync,
    get idle() {
      return running === undefined && queued === undefined
    },
  }
}
