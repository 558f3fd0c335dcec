/**
 * While the database is down, serve keeps callbacks in its journal alone. The drain retries
 * with backoff, stores each closed segment into the database and deletes it, then turns
 * writes back to the database and stores the segment written meanwhile.
 */

export interface JournalDrainOptions {
  /** Closed segments, oldest first. */
  sealed: () => number[]
  /** Stores one closed segment's records (idempotently); how many were new. Throws while the database is down. */
  storeSegment: (segment: number) => Promise<number>
  discardSegment: (segment: number) => void
  /** Whether callbacks still go to the journal alone. */
  journalOnly: () => boolean
  /** Resolves when the database answers; throws while it is down. Asked when there is no backlog to prove it. */
  reachable: () => Promise<void>
  /** Turns callbacks back to the database; resolves once the last backlog segment is closed, rejects if the journal failed. */
  resume: () => Promise<void>
  warn: (line: string) => void
  info: (line: string) => void
  describe: (error: unknown) => string
  /** Retry delays: the first, doubled after each failure up to the last. */
  retryMs: { first: number; max: number }
}

export interface JournalDrain {
  /** The store failed: warns (once per outage) and drains until the backlog is stored. */
  began(cause: unknown): void
  /** Whether a backlog is being drained. */
  readonly active: boolean
  /** Stops retrying; what is left stays in the journal for the next start. */
  stop(): Promise<void>
}

export function createJournalDrain(options: JournalDrainOptions): JournalDrain {
  let running: Promise<void> | undefined
  let stopping = false
  let wake: (() => void) | undefined
  let timer: NodeJS.Timeout | undefined
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve
      timer = setTimeout(resolve, ms)
    })

  const run = async () => {
    let delayMs = options.retryMs.first
    let stored = 0
    let journalFailed = false
    while (!stopping && !journalFailed) {
      await sleep(delayMs)
      if (stopping) break
      try {
        // No backlog to store is no proof that the database is back.
        if (options.sealed().length === 0) await options.reachable()
        for (const segment of options.sealed()) {
          if (stopping) break
          stored += await options.storeSegment(segment)
          options.discardSegment(segment)
        }
        if (stopping) break
        if (options.journalOnly()) {
          // The database took the backlog: the segment written meanwhile is closed and drained next.
          journalFailed = !(await options.resume().then(
            () => true,
            (failure: unknown) => {
              // serve was told of the failure too and is stopping (exit 74); the journal waits for the next start.
              options.warn(`${options.describe(failure)} serve stops (exit 74) and keeps the journal; what it holds is stored at the next start.`)
              return false
            },
          ))
          delayMs = 0
          continue
        }
        if (options.sealed().length === 0) break
        delayMs = 0
      } catch {
        delayMs = Math.min(options.retryMs.max, Math.max(options.retryMs.first, delayMs * 2))
      }
    }
    if (!stopping && !journalFailed) options.info(`journal: the database is back; the ${stored} callback(s) kept in the journal alone meanwhile are stored, and callbacks go to it again`)
    running = undefined
  }

  return {
    began(cause) {
      if (running || stopping) return
      options.warn(`${options.describe(cause)} Callbacks are kept in the journal and answered 200; they are stored when the database is back (retried every ${options.retryMs.max / 1000} s at most).`)
      running = run()
    },
    get active() {
      return running !== undefined
    },
    async stop() {
      stopping = true
      clearTimeout(timer)
      wake?.()
      await running
    },
  }
}
