import { resolveConfig, type ConfigSources } from '../core/config.js'
import { DEFAULT_FEEDBACK_PATH, type DlrParamNames, type ParseContext } from '../core/dlr.js'
import { ConfigError } from '../core/errors.js'
import { describeFileError, errorCodeOf } from '../core/file-errors.js'
import { journalError, type CallbackJournal, type discardJournal, type JournalRecord, type JournalRecovery } from '../shell/callback-journal.js'
import { STORE_WAIT_MS, type CallbackMetrics, type createCallbackServer } from '../shell/callback-server.js'
import type { SharedEventStore } from '../shell/event-store.js'
import type { ForwardSummary } from '../shell/forward.js'
import { createIngest, ingestLines } from '../shell/ingest.js'
import { createJournalDrain } from '../shell/journal-drain.js'
import type { Reporter } from '../shell/output.js'

export interface ServeInput {
  sources: ConfigSources
  forwardUrl: URL | undefined
}

/**
 * What serve needs of a store, SQLite's or PostgreSQL's (src/shell/serve-store.ts); no
 * localPath means a database server, whose outages serve rides out in its journal.
 */
export type ServeStore = Pick<SharedEventStore, 'location' | 'localPath' | 'beginBatch' | 'pendingForwards' | 'markForwarded' | 'close'> & ServeStoreExtras

interface ServeStoreExtras {
  /** A database server that did not answer at start: why. serve starts with the journal alone. */
  readonly unreachable?: Error | undefined
  /** How many restarts of a database server were noticed so far: a mark taken before writes, for onDisk. */
  restarts(): number
  /**
   * Resolves once what was committed since restarts() returned `since` would survive a power
   * cut. A database server that restarted since that mark may have lost those commits: it
   * rejects, whoever noticed the restart first (the first to notice tells watchRestarts).
   */
  onDisk(since: number): Promise<void>
  watchRestarts?(listener: (cause: Error) => void): void
  /** Whether a write could start now; writes nothing. */
  canWrite(): boolean
  setBusyTimeout(ms: number): void
  lastReportReceivedAt(): Promise<string | undefined>
}

export interface ServeIo {
  report: Reporter
  /** `fileMode`: of an SQLite store created now (config's storeFileMode). */
  openStore: (location: string, fileMode: number) => Promise<ServeStore>
  /** serve's write-ahead journal, at a path prefix (smskannel.journal). */
  journal: {
    /** Where a store without a file (PostgreSQL) journals by default, one per database; undefined if there is no state directory. */
    defaultPath: (storeUrl: string) => string | undefined
    /** An earlier version's default journal (any database's) that still holds callbacks. */
    unnamedLeftovers: () => string | undefined
    /** One segment's records. */
    readSegment: (journalPath: string, segment: number) => JournalRecovery
    discard: typeof discardJournal
    /** Deletes one closed segment. */
    discardSegment: (journalPath: string, segment: number) => void
    /** The segments' numbers, oldest first. */
    segments: (journalPath: string) => number[]
    open: (journalPath: string) => CallbackJournal
    /** Throws BusyError while another serve uses this journal; returns the release. */
    lock: (journalPath: string, store: string) => () => void
    /** Bytes in the journal's segments, for /metrics. */
    bytes: (journalPath: string) => number
  }
  /** GET /metrics; loads the Prometheus client, so only serve pays for it. */
  createMetrics?: (probes: { journalBytes: () => number; lastReportAtStart: Date | undefined; now: () => Date }) => Promise<CallbackMetrics>
  createCallbackServer: typeof createCallbackServer
  /** How many connections serve keeps open at once, leaving descriptors for its own files. */
  maxConnections?: number | undefined
  forward: (store: ServeStore, target: URL, timeoutMs: number, stop: AbortSignal) => Promise<ForwardSummary>
  now: () => Date
  /** Resolves when the process is asked to stop (SIGTERM, SIGINT, SIGHUP). */
  stopRequested: Promise<string>
}

/** How often serve asks a database server whether it restarted (and so may have lost commits). */
const RESTART_CHECK_MS = 5_000

/** While the database is down: the first retry, and the longest wait between two. */
export const DRAIN_RETRY_MS = { first: 500, max: 5_000 }

/** Journal records stored per transaction at start. */
const RECOVERY_BATCH_EVENTS = 2000

/** Receives Kannel's DLR callbacks until told to stop; every 200 means stored. */
export async function serve(input: ServeInput, io: ServeIo): Promise<void> {
  const config = resolveConfig(input.sources, ['storePath', 'dlrParamNames', 'feedbackPath', 'dlrStatusMap', 'secret', 'timeoutMs', 'listen', 'durability', 'journalPath', 'storeFileMode']).config
  const names = config.dlrParamNames
  if (!config.storePath) throw new ConfigError('serve needs an event store: a callback is answered 200 only once it is stored.', 'Set smskannel.store (SMSKANNEL_STORE) or pass --store FILE.')
  const listen = config.listen
  if (!listen) {
    throw new ConfigError(
      'smskannel.feedbackurl names no port: Kannel calls a web server on port 80 or 443 there (a reverse proxy), and serve does not take its place.',
      'Set smskannel.listen (--listen HOST:PORT) to where that web server passes the callbacks on, e.g. 127.0.0.1:8080 as in examples/apache-smsKannelfeedback.conf.',
    )
  }
  io.report.addSecrets(config.secret)
  if (config.secret === undefined) {
    io.report.warn('smskannel.secret is not set: callbacks are not authenticated, and anyone who can reach this port can store reports.')
  }
  if (listen.host === '0.0.0.0' || listen.host === '::') {
    io.report.warn(`listening on all interfaces (${listen.host}); put a firewall or the reverse proxy in front.`)
  }

  const store = await io.openStore(config.storePath, config.storeFileMode)
  // A database server's store: the journal is what carries the node through its outages.
  const rideOutOutages = store.localPath === undefined
  const journalPath = config.journalPath ?? (rideOutOutages ? io.journal.defaultPath(config.storePath) : `${store.localPath}.journal`)
  const unnamed = config.journalPath === undefined && rideOutOutages ? io.journal.unnamedLeftovers() : undefined
  if (unnamed) io.report.warn(`${unnamed} holds callbacks kept by an earlier serve, whose default journal was not named after its database; if they are this database's, store them with: sms-kannel serve --journal ${unnamed} (once, then stop it).`)
  const parse = { names, feedbackPath: config.feedbackPath ?? DEFAULT_FEEDBACK_PATH, statusMap: config.dlrStatusMap, forward: input.forwardUrl !== undefined }
  let journal: CallbackJournal | undefined
  let releaseJournal: () => void = () => undefined
  let metrics: CallbackMetrics | undefined
  try {
    if (journalPath === undefined) {
      throw new ConfigError('serve has no place for its journal: neither STATE_DIRECTORY nor HOME is set.', 'Set smskannel.journal (--journal PATH) to a file path on a local disk, e.g. /var/lib/sms-kannel/serve.journal.')
    }
    releaseJournal = io.journal.lock(journalPath, store.location)
    // Whatever the journal holds from before (a crash, a power cut, an outage) is stored before
    // new callbacks; with the database down, it waits in closed segments for the drain.
    if (!store.unreachable) await storeJournalLeftovers(store, journalPath, parse, io)
    if (config.durability === 'full' || rideOutOutages) journal = io.journal.open(journalPath)
    // From now on a callback never waits on another writer (a replay, a send) longer than its budget.
    store.setBusyTimeout(STORE_WAIT_MS)
    const lastReport = await store.lastReportReceivedAt()
    metrics = await io.createMetrics?.({
      // A database store's current segment holds stored callbacks, until an outage: the backlog is the rest.
      journalBytes: () => io.journal.bytes(journalPath) - (rideOutOutages && journal && !callbackServer.journalOnly ? journal.currentBytes : 0),
      lastReportAtStart: lastReport === undefined ? undefined : new Date(lastReport),
      now: io.now,
    })
  } catch (error) {
    journal?.close()
    releaseJournal()
    await store.close()
    throw error
  }
  const forwarding = createForwardLoop(store, input.forwardUrl, config.timeoutMs, io)
  const drain = createJournalDrain({
    sealed: () => io.journal.segments(journalPath).filter((segment) => segment < journal!.currentSegment),
    storeSegment: async (segment) => {
      const since = store.restarts()
      const fresh = await storeSegment(store, journalPath, segment, parse, io).finally(forwarding.kick)
      // Deleted only once the database vouches for it: after a restart since, it is stored again.
      await store.onDisk(since)
      return fresh
    },
    discardSegment: (segment) => io.journal.discardSegment(journalPath, segment),
    journalOnly: () => callbackServer.journalOnly,
    reachable: () => store.onDisk(store.restarts()),
    resume: () => callbackServer.resume().catch((failure: unknown) => Promise.reject(journalError(journalPath, failure))),
    warn: (line) => io.report.warn(line),
    info: (line) => io.report.info(line),
    describe: (error) => (error instanceof Error ? error.message : 'The event store cannot be written.'),
    retryMs: DRAIN_RETRY_MS,
  })
  let journalFailed: () => void = () => undefined
  const stopForJournal = new Promise<string>((resolve) => (journalFailed = () => resolve('the journal failed')))
  const callbackServer: ReturnType<typeof createCallbackServer> = io.createCallbackServer({
    store,
    journal,
    names,
    feedbackPath: parse.feedbackPath,
    statusMap: config.dlrStatusMap,
    secret: config.secret,
    forward: parse.forward,
    now: io.now,
    log: (line) => io.report.info(line),
    onStored: forwarding.kick,
    // A journal that failed is not trusted again: serve stops (exit 74), and its supervisor starts it anew.
    onJournalFailure: () => journalFailed(),
    metrics,
    maxConnections: io.maxConnections,
    outage: rideOutOutages ? { syncJournal: config.durability === 'full', began: (cause) => drain.began(cause) } : undefined,
  })
  try {
    await new Promise<void>((resolve, reject) => {
      callbackServer.server.once('error', reject)
      callbackServer.server.listen(listen.port, listen.host, () => resolve())
    })
  } catch (error) {
    if (journal) {
      journal.close()
      // Nothing was received: the segment just opened is empty, and leftovers were stored above (unless the database was down).
      if (!store.unreachable) io.journal.discard(journalPath)
    }
    releaseJournal()
    await store.close()
    throw new ConfigError(
      `Cannot listen on ${listen.host}:${listen.port}: ${describeFileError(errorCodeOf(error))}.`,
      'Choose another with --listen HOST:PORT (smskannel.listen).',
    )
  }
  const address = callbackServer.server.address()
  const port = typeof address === 'object' && address ? address.port : listen.port
  const journalShown = journal ? `, journal ${journalPath}` : ''
  io.report.info(`listening on http://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${port}${parse.feedbackPath} (store ${store.location}, durability ${config.durability}${rideOutOutages ? journalShown : ''})`)
  forwarding.kick()
  if (store.unreachable) callbackServer.suspend(store.unreachable)
  // Commits made before a database restart are stored again from the journal, as after an outage;
  // asked every few seconds, so that a quiet node notices too.
  store.watchRestarts?.((cause) => callbackServer.suspend(cause))
  const restartCheck = rideOutOutages ? setInterval(() => store.onDisk(store.restarts()).catch(() => undefined), RESTART_CHECK_MS).unref() : undefined

  const signal = await Promise.race([io.stopRequested, stopForJournal])
  io.report.info(`${signal}: finishing callbacks in flight`)
  await callbackServer.close()
  clearInterval(restartCheck)
  await drain.stop()
  await forwarding.stop()
  const journalFailure = callbackServer.journalFailure
  if (journal) {
    journal.close()
    if (journalFailure) {
      io.report.warn(`the journal ${journalPath} failed during this run (callbacks got 503 since); it is kept as it is, and what it holds is stored at the next start`)
    } else if (callbackServer.journalOnly || drain.active || io.journal.segments(journalPath).some((segment) => segment < journal!.currentSegment)) {
      io.report.warn(`the database has not taken every callback kept in the journal ${journalPath}; they are stored at the next start`)
    } else {
      // Everything answered 200 is in the store; once that is on disk the journal has done its job.
      try {
        await callbackServer.onDisk()
        io.journal.discard(journalPath)
      } catch {
        io.report.warn('the store could not be synced to disk or the journal not deleted; it is kept and re-read at the next start')
      }
    }
  }
  releaseJournal()
  await store.close()
  io.report.info('stopped')
  // Exit 74: a supervisor (systemd's Restart=on-failure) starts serve again, which stores what the journal kept.
  if (journalFailure) throw journalError(journalPath, journalFailure)
}

type ParseSettings = { names: DlrParamNames; feedbackPath: string; statusMap: ReadonlyMap<string, number> | undefined; forward: boolean }

/** Journal records into the store (idempotently) through the one pipeline; how many were new. */
async function storeRecords(store: ServeStore, records: readonly JournalRecord[], parse: ParseSettings): Promise<number> {
  // The journal holds only callbacks that were admitted when they came: not checked again.
  const context: ParseContext = { names: parse.names, feedbackPath: parse.feedbackPath, statusMap: parse.statusMap, receivedAt: new Date(0), source: { kind: 'http' } }
  const ingest = createIngest({ store, rules: { secret: undefined, acceptUnsigned: false, forward: parse.forward }, context })
  const lines = records.map((record) => ({ text: record.target, source: { kind: 'http' } as const, receivedAt: new Date(record.receivedAt) }))
  return (await ingestLines(ingest, context, lines, { batchEvents: RECOVERY_BATCH_EVENTS })).new
}

function warnDamaged(recovery: JournalRecovery, io: ServeIo): void {
  if (recovery.damaged > 0) {
    io.report.warn(`the journal had ${recovery.damaged} unreadable line(s), kept in ${recovery.keptAs.join(', ')}: a power cut or a damaged disk?`)
  }
}

/** One segment into the store; its callbacks, and how many of them were not there yet. */
async function storeSegmentRecords(store: ServeStore, journalPath: string, segment: number, parse: ParseSettings, io: ServeIo): Promise<{ records: number; fresh: number }> {
  const recovery = io.journal.readSegment(journalPath, segment)
  warnDamaged(recovery, io)
  return { records: recovery.records.length, fresh: await storeRecords(store, recovery.records, parse) }
}

/** One closed segment of an outage's backlog into the database; how many of its callbacks were not there yet. */
async function storeSegment(store: ServeStore, journalPath: string, segment: number, parse: ParseSettings, io: ServeIo): Promise<number> {
  return (await storeSegmentRecords(store, journalPath, segment, parse, io)).fresh
}

/**
 * Stores what a journal left by an earlier run holds (idempotently), then deletes it. A segment
 * at a time: after a long database outage the journal may hold many.
 */
async function storeJournalLeftovers(store: ServeStore, journalPath: string, parse: ParseSettings, io: ServeIo): Promise<void> {
  let records = 0
  let fresh = 0
  const since = store.restarts()
  for (const segment of io.journal.segments(journalPath)) {
    const stored = await storeSegmentRecords(store, journalPath, segment, parse, io)
    records += stored.records
    fresh += stored.fresh
  }
  if (records === 0) return io.journal.discard(journalPath)
  await store.onDisk(since)
  io.journal.discard(journalPath)
  io.report.info(`journal: ${records} callback(s) from before the last stop, ${fresh} of them not yet in the store, now stored`)
}

/** Forwards in the background, one pass at a time, so Kannel's answers never wait for it. */
function createForwardLoop(store: ServeStore, target: URL | undefined, timeoutMs: number, io: ServeIo) {
  let running: Promise<void> | undefined
  let again = false
  const stopping = new AbortController()
  const run = async () => {
    do {
      again = false
      try {
        const summary = await io.forward(store, target!, timeoutMs, stopping.signal)
        if (summary.failed > 0) io.report.warn(`forwarding: ${summary.failed} report(s) not accepted by ${target!.host}; retried later`)
      } catch (error) {
        io.report.warn(`forwarding failed: ${error instanceof Error ? error.message : String(error)}`)
      }
    } while (again)
    running = undefined
  }
  return {
    kick: () => {
      if (!target || stopping.signal.aborted) return
      if (running) again = true
      else running = run()
    },
    /** Aborts requests in flight: a hanging target never delays the stop; their reports stay pending. */
    stop: async () => {
      again = false
      stopping.abort()
      await running
    },
  }
}
