import { resolveConfig, type ConfigSources } from '../core/config.js'
import { DEFAULT_FEEDBACK_PATH, type EventSource, type ParseContext } from '../core/dlr.js'
import { ConfigError, GatewayUnavailableError, InputError } from '../core/errors.js'
import { eventForOutput } from '../core/event-output.js'
import type { Tally } from '../core/ingest.js'
import type { ForwardSummary } from '../shell/forward.js'
import { createIngest, ingestLines } from '../shell/ingest.js'
import { refuseStoreFileAsOutput } from '../shell/store-files.js'
import type { Reporter } from '../shell/output.js'
import type { ReplayProgressReport, ReplaySummary } from '../shell/replay.js'
import type { SharedEventStore } from '../shell/event-store.js'

export interface FeedbackInput {
  sources: ConfigSources
  /** Arguments, or stdin's lines when there are none. */
  lines: AsyncIterable<{ text: string; source: EventSource }>
  replayPaths: string[]
  forwardUrl: URL | undefined
  rejectsPath: string | undefined
  /** --accept-unsigned: store reports without a valid token (history from before the secret). */
  acceptUnsigned?: boolean
  now: Date
  /** This host's zone: bearerbox's log times are read in it unless smskannel.logtimezone says otherwise. */
  hostTimeZone?: () => string
}

export interface FeedbackIo {
  report: Reporter
  /** `fileMode`: of an SQLite store created now (config's storeFileMode). */
  openStore: (location: string, fileMode: number) => Promise<SharedEventStore>
  replay: (options: Parameters<typeof import('../shell/replay.js').replayFiles>[0]) => Promise<ReplaySummary>
  forward: (store: SharedEventStore, target: URL, timeoutMs: number) => Promise<ForwardSummary>
  onProgress: ((report: ReplayProgressReport) => void) | undefined
}

export interface FeedbackSummary extends Tally {
  store: string | null
  forwarded?: number
  forwardFailed?: number
  rejectsFile?: string | null
  files?: ReplaySummary['files']
}

/** Events stored per transaction when reading arguments or stdin. */
const BATCH_EVENTS = 1000

/** DLR query strings in, event records out (and into the store, when there is one). */
export async function feedback(input: FeedbackInput, io: FeedbackIo): Promise<FeedbackSummary> {
  const config = resolveConfig(input.sources, ['storePath', 'dlrParamNames', 'feedbackPath', 'dlrStatusMap', 'secret', 'timeoutMs', 'logTimeZone', 'storeFileMode']).config
  let logTimeZone = config.logTimeZone
  const parse = { names: config.dlrParamNames, feedbackPath: config.feedbackPath ?? DEFAULT_FEEDBACK_PATH, statusMap: config.dlrStatusMap, logTimeZone: () => (logTimeZone ??= input.hostTimeZone?.()) }
  if ((input.replayPaths.length > 0 || input.forwardUrl) && !config.storePath) {
    throw new ConfigError('--replay and --forward need an event store.', 'Set smskannel.store (SMSKANNEL_STORE) or pass --store FILE.')
  }

  if (input.rejectsPath !== undefined) refuseStoreFileAsOutput('--rejects', input.rejectsPath, config.storePath)
  const admission = { secret: config.secret, acceptUnsigned: input.acceptUnsigned ?? false }
  if (admission.acceptUnsigned) {
    io.report.warn(
      config.secret === undefined
        ? '--accept-unsigned: smskannel.secret is not set, so no token is checked anyway.'
        : '--accept-unsigned: reports without a valid token are stored (meant for history from before smskannel.secret); they are counted, and never forwarded.',
    )
  }
  const store = config.storePath ? await io.openStore(config.storePath, config.storeFileMode) : undefined
  try {
    let summary: FeedbackSummary
    if (input.replayPaths.length > 0) {
      summary = await store!.exclusiveReplay(async () => {
        const replayed = await io.replay({
          paths: input.replayPaths,
          store: store!,
          parse,
          now: input.now,
          forward: input.forwardUrl !== undefined,
          ...admission,
          rejectsPath: input.rejectsPath ?? `${store!.localPath ?? 'sms-kannel'}.rejects`,
          ...(io.onProgress ? { onProgress: io.onProgress } : {}),
        })
        const { files, rejectsFile, ...counts } = replayed
        return { ...counts, store: store!.location, files, rejectsFile }
      })
    } else {
      summary = await recordLines(input, parse, admission, store, io.report)
    }
    if (store && input.forwardUrl) {
      const forwarded = await io.forward(store, input.forwardUrl, config.timeoutMs)
      summary.forwarded = forwarded.forwarded
      summary.forwardFailed = forwarded.failed
    }
    return summary
  } finally {
    await store?.close()
  }
}

async function recordLines(
  input: FeedbackInput,
  parse: Omit<ParseContext, 'source' | 'receivedAt'>,
  admission: { secret: string | undefined; acceptUnsigned: boolean },
  store: SharedEventStore | undefined,
  report: Reporter,
): Promise<FeedbackSummary> {
  const context: ParseContext = { ...parse, source: { kind: 'argument', index: 0 }, receivedAt: input.now }
  const ingest = createIngest({ store, rules: { ...admission, forward: input.forwardUrl !== undefined }, context })
  const tally = await ingestLines(ingest, context, input.lines, {
    batchEvents: BATCH_EVENTS,
    // Nobody reads our output any more (EPIPE): store what was read, read no further.
    stopped: () => report.outputClosed,
    onVerdict: (verdict, { source }) => {
      if (verdict.kind === 'store') report.data(eventForOutput(verdict.event))
      else if (verdict.kind === 'refused') report.error(`${describeSource(source)}: refused: ${verdict.reason}`)
      else if (verdict.kind === 'bad') report.error(`${describeSource(source)}: not a delivery report: ${verdict.reason}`)
    },
  })
  return { ...tally, store: store?.location ?? null }
}

export function describeSource(source: EventSource): string {
  switch (source.kind) {
    case 'argument':
      return `argument ${source.index}`
    case 'stdin':
      return `stdin:${source.line}`
    case 'file':
      return `${source.file}:${source.line}`
    case 'http':
      return 'callback'
    case 'poll':
      return `${source.provider} poll`
  }
}

export function summariseFeedback(summary: FeedbackSummary): string {
  const parts = [`${summary.lines} line${summary.lines === 1 ? '' : 's'}`]
  if (summary.store) parts.push(`${summary.new} new`, `${summary.duplicates} duplicate${summary.duplicates === 1 ? '' : 's'}`)
  parts.push(`${summary.bad} bad`, `${summary.skipped} skipped`)
  if (summary.answeredNon2xx > 0) parts.push(`${summary.answeredNon2xx} answered non-2xx (not stored)`)
  if (summary.refused > 0) parts.push(`${summary.refused} refused (token missing or wrong)`)
  if (summary.acceptedUnsigned > 0) parts.push(`${summary.acceptedUnsigned} stored unsigned (--accept-unsigned)`)
  if (summary.forwarded !== undefined) parts.push(`${summary.forwarded} forwarded`, `${summary.forwardFailed} to forward next run`)
  const where = summary.rejectsFile ? `; bad lines in ${summary.rejectsFile}` : ''
  const missing = missingFiles(summary)
  const skipped = missing.length > 0 ? `; not there (yet), skipped: ${missing.join(', ')}` : ''
  const rewritten = (summary.files ?? []).filter((file) => file.rewritten).map((file) => file.path)
  const stopped = rewritten.length > 0 ? `; emptied and written anew while read (logrotate copytruncate?), stopped at the last commit, the rest next run: ${rewritten.join(', ')}` : ''
  return `${parts.join(', ')}${summary.store ? ` (store ${summary.store})` : ''}${where}${skipped}${stopped}`
}

/** Replayed files that were not there: a rotated log before its first rotation. */
export function missingFiles(summary: FeedbackSummary): string[] {
  return (summary.files ?? []).filter((file) => file.missing).map((file) => file.path)
}

/** Exit 65 at the end when any line was bad or refused: everything good was still recorded. */
export function badLinesError(summary: FeedbackSummary): InputError | undefined {
  const problems: string[] = []
  if (summary.bad > 0) problems.push(`${summary.bad} line${summary.bad === 1 ? ' was' : 's were'} not a delivery report`)
  if (summary.refused > 0) problems.push(`${summary.refused} report${summary.refused === 1 ? ' was' : 's were'} refused (token missing or wrong)`)
  if (problems.length === 0) return undefined
  return new InputError(
    `${problems.join(', and ')}; the others were processed.`,
    summary.refused > 0 ? 'A refused report is forged, or from before smskannel.secret was set: for such history, run again with --accept-unsigned.' : undefined,
  )
}

/** Exit 75 when a forward failed: stored reports stay pending and the next run retries them. */
export function forwardFailedError(summary: FeedbackSummary): GatewayUnavailableError | undefined {
  if (!summary.forwardFailed) return undefined
  return new GatewayUnavailableError(`${summary.forwardFailed} report${summary.forwardFailed === 1 ? ' was' : 's were'} not accepted by the forward URL; ${summary.forwardFailed === 1 ? 'it stays' : 'they stay'} pending and the next run forwards ${summary.forwardFailed === 1 ? 'it' : 'them'}.`, {
    mayHaveBeenSent: false,
    hint: 'Check that the receiver at --forward is up and answers 2xx.',
  })
}
