import { resolveStoreConfig, type ConfigSources } from '../core/config.js'
import { DEFAULT_FEEDBACK_PATH, resolveDlrParamNames, type DlrParamNames, type ParseContext } from '../core/dlr.js'
import { ConfigError, UsageError } from '../core/errors.js'
import type { CallbackJournal, discardJournal, JournalRecovery } from '../shell/callback-journal.js'
import { STORE_WAIT_MS, type CallbackMetrics, type createCallbackServer } from '../shell/callback-server.js'
import type { ForwardSummary } from '../shell/forward.js'
import { createIngest, ingestLines } from '../shell/ingest.js'
import type { Reporter } from '../shell/output.js'
import type { EventStore } from '../shell/store.js'

export interface ServeInput {
  sources: ConfigSources
  paramOverrides: string[]
  forwardUrl: URL | undefined
}

export interface ServeIo {
  report: Reporter
  openStore: (path: string) => Promise<EventStore>
  /** serve's write-ahead journal (durability full), next to the store. */
  journal: {
    read: (storePath: string) => JournalRecovery
    discard: typeof discardJournal
    open: (storePath: string) => CallbackJournal
    /** Throws BusyError while another serve uses this store; returns the release. */
    lock: (storePath: string) => () => void
    /** Bytes in the journal's segments, for /metrics. */
    bytes: (storePath: string) => number
  }
  /** GET /metrics; loads the Prometheus client, so only serve pays for it. */
  createMetrics?: (probes: { journalBytes: () => number; lastReportAtStart: Date | undefined; now: () => Date }) => Promise<CallbackMetrics>
  createCallbackServer: typeof createCallbackServer
  forward: (store: EventStore, target: URL, timeoutMs: number, stop: AbortSignal) => Promise<ForwardSummary>
  now: () => Date
  /** Resolves when the process is asked to stop (SIGTERM, SIGINT, SIGHUP). */
  stopRequested: Promise<string>
}

/** Journal records stored per transaction at start. */
const RECOVERY_BATCH_EVENTS = 2000

/** Receives Kannel's DLR callbacks until told to stop; every 200 means stored. */
export async function serve(input: ServeInput, io: ServeIo): Promise<void> {
  const config = resolveStoreConfig(input.sources)
  const names = resolveDlrParamNames([...config.dlrParamOverrides, ...input.paramOverrides])
  if ('error' in names) throw new UsageError(`--param ${names.error}.`)
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

  const store = await io.openStore(config.storePath)
  const feedbackPath = config.feedbackPath ?? DEFAULT_FEEDBACK_PATH
  const forward = input.forwardUrl !== undefined
  let journal: CallbackJournal | undefined
  let releaseJournal: () => void = () => undefined
  let metrics: CallbackMetrics | undefined
  try {
    releaseJournal = io.journal.lock(store.path)
    // Whatever the journal holds from before (a crash, a power cut) is stored before new callbacks.
    await storeJournalLeftovers(store, { names, feedbackPath, statusMap: config.dlrStatusMap, forward }, io)
    if (config.durability === 'full') journal = io.journal.open(store.path)
    // From now on a callback never waits on another writer (a replay, a send) longer than its budget.
    store.setBusyTimeout(STORE_WAIT_MS)
    const lastReport = store.lastReportReceivedAt()
    metrics = await io.createMetrics?.({
      journalBytes: () => io.journal.bytes(store.path),
      lastReportAtStart: lastReport === undefined ? undefined : new Date(lastReport),
      now: io.now,
    })
  } catch (error) {
    journal?.close()
    releaseJournal()
    store.close()
    throw error
  }
  const forwarding = createForwardLoop(store, input.forwardUrl, config.timeoutMs, io)
  const callbackServer = io.createCallbackServer({
    store,
    journal,
    names,
    feedbackPath,
    statusMap: config.dlrStatusMap,
    secret: config.secret,
    forward,
    now: io.now,
    log: (line) => io.report.info(line),
    onStored: forwarding.kick,
    metrics,
  })
  try {
    await new Promise<void>((resolve, reject) => {
      callbackServer.server.once('error', reject)
      callbackServer.server.listen(listen.port, listen.host, () => resolve())
    })
  } catch (error) {
    if (journal) {
      journal.close()
      // Nothing was received: the segment just opened is empty, and leftovers were stored above.
      io.journal.discard(store.path)
    }
    releaseJournal()
    store.close()
    const code = (error as { code?: string }).code
    throw new ConfigError(
      `Cannot listen on ${listen.host}:${listen.port}: ${code === 'EADDRINUSE' ? 'the port is in use' : code === 'EACCES' ? 'permission denied' : (code ?? 'unknown error')}.`,
      'Choose another with --listen HOST:PORT (smskannel.listen).',
    )
  }
  const address = callbackServer.server.address()
  const port = typeof address === 'object' && address ? address.port : listen.port
  io.report.info(`listening on http://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${port}${feedbackPath} (store ${store.path}, durability ${config.durability})`)
  forwarding.kick()

  const signal = await io.stopRequested
  io.report.info(`${signal}: finishing callbacks in flight`)
  await callbackServer.close()
  await forwarding.stop()
  if (journal) {
    journal.close()
    // Everything answered 200 is in the store; once that is on disk the journal has done its job.
    try {
      await store.onDisk()
      io.journal.discard(store.path)
    } catch {
      io.report.warn('the store could not be synced to disk or the journal not deleted; it is kept and re-read at the next start')
    }
  }
  releaseJournal()
  store.close()
  io.report.info('stopped')
}

/** Stores what a journal left by an earlier run holds (idempotently), then deletes it. */
async function storeJournalLeftovers(store: EventStore, parse: { names: DlrParamNames; feedbackPath: string; statusMap: ReadonlyMap<string, number> | undefined; forward: boolean }, io: ServeIo): Promise<void> {
  const recovery = io.journal.read(store.path)
  if (recovery.damaged > 0) {
    io.report.warn(`the journal had ${recovery.damaged} unreadable line(s), kept in ${recovery.keptAs.join(', ')}: a power cut or a damaged disk?`)
  }
  if (recovery.records.length === 0) return io.journal.discard(store.path)
  // The journal holds only callbacks that were admitted when they came: not checked again.
  const context: ParseContext = { names: parse.names, feedbackPath: parse.feedbackPath, statusMap: parse.statusMap, receivedAt: new Date(0), source: { kind: 'http' } }
  const ingest = createIngest({ store, rules: { secret: undefined, acceptUnsigned: false, forward: parse.forward }, context })
  const lines = recovery.records.map((record) => ({ text: record.target, source: { kind: 'http' } as const, receivedAt: new Date(record.receivedAt) }))
  const { new: fresh } = await ingestLines(ingest, context, lines, { batchEvents: RECOVERY_BATCH_EVENTS })
  await store.onDisk()
  io.journal.discard(store.path)
  io.report.info(`journal: ${recovery.records.length} callback(s) from before the last stop, ${fresh} of them not yet in the store, now stored`)
}

/** Forwards in the background, one pass at a time, so Kannel's answers never wait for it. */
function createForwardLoop(store: EventStore, target: URL | undefined, timeoutMs: number, io: ServeIo) {
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
