import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { DeliveryEvent, DlrParamNames } from '../core/dlr.js'
import { admitLine } from '../core/ingest.js'
import { maskPhoneNumber } from '../core/phone-number.js'
import { truncateForMessage } from '../core/redact.js'
import type { CallbackJournal, JournalRecord } from './callback-journal.js'
import type { EventStore } from './store.js'
import { storeEvents } from './event-store.js'

/**
 * The longest a callback waits for another process's write lock (a replay, a send) before it
 * is answered 503 and Kannel retries. better-sqlite3 waits synchronously, holding every other
 * callback and /healthz meanwhile, so this is kept well under a second.
 */
export const STORE_WAIT_MS = 500

/** A Kannel callback URL is a few hundred bytes; 8 KiB leaves room and refuses junk. */
export const MAX_URL_BYTES = 8 * 1024
/** Node's limit for the request line and headers together; Kannel sends four short headers. */
export const MAX_HEADER_BYTES = 16 * 1024
/** Limits for slow clients (slowloris): headers within 5 s, the whole request within 10 s. */
export const DEFAULT_LIMITS = {
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  /** Kannel keeps connections alive and reuses them (docs/kannel.md §7). */
  keepAliveTimeoutMs: 30_000,
  /** Node checks the two timeouts above only this often (its default is 30 s). */
  checkIntervalMs: 1_000,
}

/** What the callback server needs of a store: its writer, a health probe and a sync. */
export interface CallbackStore extends Pick<EventStore, 'beginBatch' | 'canWrite'> {
  /** Resolves once what was written since restarts() returned `since` is on disk (see ServeStore). */
  onDisk(since: number): Promise<void>
  /** A database server's restarts noticed so far; a store without it never restarts. */
  restarts?(): number
}

export interface CallbackServerOptions {
  store: CallbackStore
  /** Durability full: each callback's journal line is on disk before its 200. */
  journal?: CallbackJournal | undefined
  names: DlrParamNames
  feedbackPath: string
  /** http.dlr-status: another gateway's status values, as DLR types. */
  statusMap?: ReadonlyMap<string, number> | undefined
  /** With a secret, a callback without the right token is refused and not stored. */
  secret: string | undefined
  forward: boolean
  now: () => Date
  log: (line: string) => void
  /** Called after each store write, for forwarding without delaying Kannel's answer. */
  onStored?: () => void
  /** Called once, when the journal first fails: callbacks get 503 from then on. */
  onJournalFailure?: (failure: Error) => void
  limits?: Partial<typeof DEFAULT_LIMITS>
  /** Connections beyond this many open at once are closed as they come (Kannel retries); see shell/connection-limit.ts. */
  maxConnections?: number | undefined
  /** With metrics, GET /metrics answers in the Prometheus text format. */
  metrics?: CallbackMetrics | undefined
  /**
   * A database server's store (PostgreSQL): a group it cannot take is answered 200 once its
   * journal lines are written, and later callbacks go to the journal alone until the drain
   * has stored the backlog and calls resume(). Without it (SQLite) such a group gets 503.
   */
  outage?: OutagePolicy | undefined
}

export interface OutagePolicy {
  /** Whether each group's journal lines are fsynced before the 200s (durability full). */
  syncJournal: boolean
  /** Called when a write fails and callbacks start going to the journal alone. */
  began: (cause: unknown) => void
}

export type CallbackOutcome = 'new' | 'duplicate' | 'queued' | 'failed'

export type RefusalReason = 'bad' | 'forged' | 'too_large' | 'timeout'

/** What serve counts and times for /metrics; see shell/metrics.ts. */
export interface CallbackMetrics {
  /** queued: kept in the journal while the database is down, stored by the drain. */
  answered(event: DeliveryEvent, result: CallbackOutcome): void
  refused(reason: RefusalReason): void
  /** A connection closed as it came: serve had maxConnections open. */
  connectionRefused(): void
  journalWritten(seconds: number): void
  storeWritten(seconds: number): void
  exposition(): Promise<{ contentType: string; body: string }>
}

interface Pending {
  event: DeliveryEvent
  record: JournalRecord
  settle: (outcome: CallbackOutcome) => void
}

/**
 * Group commit: callbacks that arrive while the previous group is being made durable wait,
 * and go together into one journal write, one fsync and one transaction. Under load the
 * groups grow by themselves. With a journal (durability full) each callback is answered
 * once it is in the store and its journal line is on disk; without one, once it is in the
 * store (which survives a killed process, not a power cut). With an outage policy, see
 * CallbackServerOptions.outage.
 */
function createGroupCommitter(store: CallbackStore, journal: CallbackJournal | undefined, forward: boolean, hooks: Pick<CallbackServerOptions, 'onStored' | 'onJournalFailure'>, metrics: CallbackMetrics | undefined, outage: OutagePolicy | undefined) {
  const { onStored, onJournalFailure } = hooks
  let queue: Pending[] = []
  let scheduled = false
  let syncing = false
  // A failed journal write or fsync never recovers (see the journal): every later callback gets 503.
  let journalBroken = false
  let journalFailure: Error | undefined
  // Only with an outage policy: the store failed, callbacks go to the journal alone.
  let journalOnly = false
  let resumed: Array<{ resolve: () => void; reject: (cause: Error) => void }> = []
  const restartsNow = () => store.restarts?.() ?? 0
  // The store's restarts() when the journal's current segment was started: what its records are vouched from.
  let segmentSince = restartsNow()
  /** Records nothing more in the journal; a drain waiting to resume is told, and stops. */
  const broke = (cause: unknown) => {
    journalBroken = true
    const first = journalFailure === undefined
    const failure = (journalFailure ??= cause instanceof Error ? cause : new Error(String(cause)))
    if (first) onJournalFailure?.(failure)
    const waiting = resumed
    resumed = []
    waiting.forEach(({ reject }) => reject(failure))
  }
  /** journal.seal, noting the mark of the segment started. */
  const seal = (ifLarge = false) => {
    const since = restartsNow()
    const sealed = journal!.seal(ifLarge)
    if (journal!.currentBytes === 0) segmentSince = since
    return sealed
  }
  /** A seal that fails leaves records that could no longer be told from stored ones: the journal is broken. */
  const sealOrBreak = () => {
    if (seal()) return true
    broke(journal!.failure ?? new Error('the next journal segment could not be started'))
    return false
  }
  const schedule = () => {
    if (scheduled || syncing || queue.length === 0) return
    scheduled = true
    setImmediate(flush)
  }
  const fail = (batch: readonly Pending[]) => batch.forEach((pending) => pending.settle('failed'))
  const queued = (batch: readonly Pending[]) => batch.forEach((pending) => pending.settle('queued'))
  /** Between groups: the backlog's last lines go into a closed segment for the drain, then writes go to the store again. */
  const resumeIfAsked = () => {
    if (resumed.length === 0 || !journal) return
    if (sealOrBreak()) {
      journalOnly = false
      const waiting = resumed
      resumed = []
      waiting.forEach(({ resolve }) => resolve())
    }
  }
  const flush = () => {
    scheduled = false
    const batch = queue
    queue = []
    let synced: Promise<void> = Promise.resolve()
    const journalStart = performance.now()
    // A journal that failed once is not trusted again (its disk, its segments): 503 until a restart, as /healthz says.
    if (journalBroken) return fail(batch)
    try {
      if (journal) {
        journal.append(batch.map((pending) => pending.record))
        // The fsync runs on another thread while this one writes the same group to the store.
        if (!outage || outage.syncJournal) synced = journal.sync()
        if (metrics) synced = synced.then(() => metrics.journalWritten((performance.now() - journalStart) / 1000))
      }
    } catch (error) {
      broke(error)
      return fail(batch)
    }
    syncing = true
    if (journalOnly) {
      synced
        .then(
          () => queued(batch),
          (error: unknown) => {
            broke(error)
            fail(batch)
          },
        )
        .finally(() => {
          syncing = false
          // A long outage is kept in segments of the usual size, each drained and deleted on its own.
          if (resumed.length > 0) resumeIfAsked()
          else seal(true)
          schedule()
        })
      return
    }
    const storeStart = performance.now()
    let cause: unknown
    // Failed: left in the journal, stored at the next start (or by the drain); Kannel may retry it meanwhile.
    const stored = storeEvents(store, batch.map((pending) => pending.event), forward).then(
      (fresh) => {
        metrics?.storeWritten((performance.now() - storeStart) / 1000)
        return fresh
      },
      (error: unknown) => {
        cause = error
        return undefined
      },
    )
    Promise.all([synced, stored])
      .then(
        ([, fresh]) => {
          if (fresh) {
            batch.forEach((pending, index) => pending.settle(fresh[index] ? 'new' : 'duplicate'))
            onStored?.()
          } else if (outage && journal) {
            journalOnly = true
            queued(batch)
            outage.began(cause)
          } else {
            fail(batch)
          }
        },
        (error: unknown) => {
          if (journal) broke(error)
          fail(batch)
        },
      )
      .finally(() => {
        syncing = false
        // The group that failed and what came before go into a closed segment: the drain's first work.
        if (journalOnly) {
          if (sealOrBreak()) resumeIfAsked()
        } else if (journal) {
          // A closed segment is deleted only if the store did not restart since it was started.
          const closedSince = segmentSince
          const since = restartsNow()
          journal.rotateIfLarge(() => store.onDisk(closedSince))
          if (journal.currentBytes === 0) segmentSince = since
        }
        schedule()
      })
  }
  return {
    submit(event: DeliveryEvent, record: JournalRecord): Promise<CallbackOutcome> {
      return new Promise((settle) => {
        queue.push({ event, record, settle })
        schedule()
      })
    },
    /** Whether a callback now would be kept: the journal works and (without an outage policy) the store takes a write. */
    healthy: () => !journalBroken && (outage !== undefined || store.canWrite()),
    /** Whether callbacks go to the journal alone now (the database is down). */
    get journalOnly() {
      return journalOnly
    },
    /** Why the journal takes nothing more (callbacks get 503), if it failed. */
    get journalFailure() {
      return journalFailure
    },
    /** Resolves once the callbacks in the journal's current segment are on disk in the store; rejects if it restarted since. */
    onDisk: () => store.onDisk(segmentSince),
    /** With an outage policy: callbacks go to the journal alone, as after a failed write, until resume(). */
    suspend(cause: unknown): void {
      if (!outage || !journal || journalBroken) return
      journalOnly = true
      outage.began(cause)
    },
    /**
     * Writes go to the store again, from the next group on; resolves once the backlog's segments
     * are all closed, rejects if the journal failed (it then holds the rest until the next start).
     */
    resume(): Promise<void> {
      if (journalFailure) return Promise.reject(journalFailure)
      if (!journalOnly) return Promise.resolve()
      const done = new Promise<void>((resolve, reject) => resumed.push({ resolve, reject }))
      if (!syncing && !scheduled) resumeIfAsked()
      return done
    },
    /** What is queued now is committed before shutdown closes the store. */
    drain(): void {
      if (queue.length > 0) flush()
    },
  }
}

function answer(response: ServerResponse, status: number, body: string, extra: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), ...extra })
  response.end(response.req.method === 'HEAD' ? undefined : body)
}

export interface CallbackServer {
  server: Server
  /** Stops accepting, lets callbacks in flight finish and be stored, then resolves. */
  close(): Promise<void>
  /** With an outage policy: whether callbacks go to the journal alone now. */
  readonly journalOnly: boolean
  /** With an outage policy: the drain stored the backlog; writes go to the store again. Rejects if the journal failed. */
  resume(): Promise<void>
  /** Why the journal takes nothing more (callbacks get 503 since), if it failed. */
  readonly journalFailure: Error | undefined
  /** Resolves once the callbacks in the journal's current segment are on disk in the store; rejects if it restarted since they were written. */
  onDisk(): Promise<void>
  /** With an outage policy: callbacks go to the journal alone until resume() (the database restarted). */
  suspend(cause: unknown): void
}

/** Log lines of one turn of the event loop go out in one write: a write per callback was a real share of serve's time. */
function batchedLog(log: (line: string) => void): (line: string) => void {
  let lines: string[] = []
  return (line) => {
    if (lines.push(line) > 1) return
    setImmediate(() => {
      const text = lines.join('\n')
      lines = []
      log(text)
    })
  }
}

export function createCallbackServer(options: CallbackServerOptions): CallbackServer {
  const { metrics } = options
  const committer = createGroupCommitter(options.store, options.journal, options.forward, options, metrics, options.outage)
  const log = batchedLog(options.log)
  const parseSettings = { names: options.names, feedbackPath: options.feedbackPath, statusMap: options.statusMap, source: { kind: 'http' } as const }
  const rules = { secret: options.secret, acceptUnsigned: false, forward: options.forward }
  // Callbacks being handled or answered. A pipelined one whose connection was reset never gets
  // its response's 'close': once handled, its dead socket is enough.
  const inFlight = new Set<{ handled: boolean; socket: { destroyed: boolean } }>()

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const target = request.url ?? '/'
    const path = target.split('?', 1)[0]
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      metrics?.refused('bad')
      return answer(response, 405, 'GET only\n', { allow: 'GET, HEAD' })
    }
    // No body is ever accepted: a callback is a GET, and a body is a way to tie us up.
    if (request.headers['transfer-encoding'] || Number(request.headers['content-length'] ?? 0) > 0) {
      metrics?.refused('too_large')
      return answer(response, 413, 'no request body accepted\n')
    }
    if (Buffer.byteLength(target) > MAX_URL_BYTES) {
      metrics?.refused('too_large')
      return answer(response, 414, 'URL too long\n')
    }
    if (path === '/healthz') {
      // What a callback would get now: 503 while the store or the journal cannot take one.
      return committer.healthy()
        ? answer(response, 200, '{"status":"ok"}\n', { 'content-type': 'application/json' })
        : answer(response, 503, `{"status":"${committer.journalFailure ? 'journal failed' : 'store unavailable'}"}\n`, { 'content-type': 'application/json', 'retry-after': '5' })
    }
    if (path === '/metrics' && metrics) {
      const { contentType, body } = await metrics.exposition()
      return answer(response, 200, body, { 'content-type': contentType })
    }
    if (path !== options.feedbackPath) return answer(response, 404, 'not found\n')
    // HEAD is a safe method (link checkers, monitors): it must not store a report. Kannel only GETs.
    if (request.method === 'HEAD') {
      metrics?.refused('bad')
      return answer(response, 405, 'GET only\n', { allow: 'GET' })
    }

    const verdict = admitLine(target, { ...parseSettings, receivedAt: options.now() }, rules)
    if (verdict.kind === 'bad' || verdict.kind === 'skip') {
      metrics?.refused('bad')
      log(`400 not a delivery report: ${verdict.reason}`)
      return answer(response, 400, 'not a delivery report\n')
    }
    const { event } = verdict
    // The one rule feedback and replay apply too: with a secret, no valid token, not stored.
    if (verdict.kind === 'refused') {
      metrics?.refused('forged')
      log(`403 forged or unsigned callback refused: ${describe(event)}`)
      return answer(response, 403, 'forbidden\n')
    }
    const outcome = await committer.submit(event, { receivedAt: event.receivedAt, target })
    metrics?.answered(event, outcome)
    if (outcome === 'failed') {
      // Kannel retries a callback that did not get 200/202, if http-request-retry is set.
      log(`503 ${committer.journalFailure ? 'journal failed' : 'store unavailable'}, not stored: ${describe(event)}`)
      return answer(response, 503, 'store unavailable, retry later\n', { 'retry-after': '5' })
    }
    log(outcome === 'queued' ? `200 queued in the journal (database unreachable): ${describe(event)}` : `200 ${outcome}: ${describe(event)}`)
    answer(response, 200, 'OK\n')
  }

  const limits = { ...DEFAULT_LIMITS, ...options.limits }
  const server = createServer(
    {
      maxHeaderSize: MAX_HEADER_BYTES,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
    (request, response) => {
      const entry = { handled: false, socket: request.socket }
      inFlight.add(entry)
      response.once('close', () => inFlight.delete(entry))
      handle(request, response)
        .catch(() => {
          if (!response.headersSent) answer(response, 500, 'internal error\n')
        })
        .finally(() => (entry.handled = true))
    },
  )
  if (options.maxConnections !== undefined) {
    server.maxConnections = options.maxConnections
    let told = false
    server.on('drop', (dropped) => {
      metrics?.connectionRefused()
      if (told) return
      told = true
      log(`${options.maxConnections} connections open, the most serve takes: further ones are closed as they come (first from ${dropped?.remoteAddress ?? 'an unknown address'}); counted in /metrics, not logged again`)
    })
  }
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    // Oversized headers, bad requests and timeouts: answer if possible, and drop the socket.
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request'
    if (error.code === 'HPE_HEADER_OVERFLOW') metrics?.refused('too_large')
    else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') metrics?.refused('timeout')
    else if (error.code?.startsWith('HPE_')) metrics?.refused('bad')
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    socket.destroy()
  })

  return {
    server,
    get journalOnly() {
      return committer.journalOnly
    },
    resume: () => committer.resume(),
    get journalFailure() {
      return committer.journalFailure
    },
    onDisk: () => committer.onDisk(),
    suspend: (cause) => committer.suspend(cause),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
        const waitForInFlight = setInterval(() => {
          committer.drain()
          for (const entry of inFlight) if (entry.handled && entry.socket.destroyed) inFlight.delete(entry)
          if (inFlight.size === 0) {
            clearInterval(waitForInFlight)
            server.closeAllConnections()
          }
        }, 10)
      }),
  }
}

/** One log line per callback: ids and status, the number masked, never the query. */
function describe(event: DeliveryEvent): string {
  const parts = [`dlr=${event.dlr} ${event.status}`]
  if (event.sequence) parts.push(`seq=${truncateForMessage(event.sequence, 20)}`)
  if (event.messageId) parts.push(`msgid=${truncateForMessage(event.messageId, 40)}`)
  if (event.recipient) parts.push(`to=${maskPhoneNumber(truncateForMessage(event.recipient, 24))}`)
  return parts.join(' ')
}
