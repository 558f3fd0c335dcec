import { resolveStoreConfig, type ConfigSources } from '../core/config.js'
import { DEFAULT_FEEDBACK_PATH, parseDlrLine, resolveDlrParamNames, type DeliveryEvent, type DlrParamNames, type EventSource } from '../core/dlr.js'
import { ConfigError, InputError, UsageError } from '../core/errors.js'
import type { ForwardSummary } from '../shell/forward.js'
import type { Reporter } from '../shell/output.js'
import type { ReplayProgressReport, ReplaySummary } from '../shell/replay.js'
import type { EventStore } from '../shell/store.js'

export interface FeedbackInput {
  sources: ConfigSources
  /** --param values, each NAME=QUERYNAME[,...]; they win over smskannel.dlrparams. */
  paramOverrides: string[]
  /** Arguments, or stdin's lines when there are none. */
  lines: AsyncIterable<{ text: string; source: EventSource }>
  replayPaths: string[]
  forwardUrl: URL | undefined
  rejectsPath: string | undefined
  now: Date
}

export interface FeedbackIo {
  report: Reporter
  openStore: (path: string) => Promise<EventStore>
  replay: (options: Parameters<typeof import('../shell/replay.js').replayFiles>[0]) => Promise<ReplaySummary>
  withLock: <T>(storePath: string, work: () => Promise<T>) => Promise<T>
  forward: (store: EventStore, target: URL, timeoutMs: number) => Promise<ForwardSummary>
  onProgress: ((report: ReplayProgressReport) => void) | undefined
}

export interface FeedbackSummary {
  lines: number
  new: number
  duplicates: number
  bad: number
  skipped: number
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
  const config = resolveStoreConfig(input.sources)
  const names = resolveNames([...config.dlrParamOverrides, ...input.paramOverrides])
  const parse = { names, feedbackPath: config.feedbackPath ?? DEFAULT_FEEDBACK_PATH }
  if ((input.replayPaths.length > 0 || input.forwardUrl) && !config.storePath) {
    throw new ConfigError('--replay and --forward need an event store.', 'Set smskannel.store (SMSKANNEL_STORE) or pass --store FILE.')
  }

  const store = config.storePath ? await io.openStore(config.storePath) : undefined
  try {
    let summary: FeedbackSummary
    if (input.replayPaths.length > 0) {
      summary = await io.withLock(store!.path, async () => {
        const replayed = await io.replay({
          paths: input.replayPaths,
          store: store!,
          parse,
          now: input.now,
          forward: input.forwardUrl !== undefined,
          rejectsPath: input.rejectsPath ?? `${store!.path}.rejects`,
          ...(io.onProgress ? { onProgress: io.onProgress } : {}),
        })
        const { files, rejectsFile, ...counts } = replayed
        return { ...counts, store: store!.path, files, rejectsFile }
      })
    } else {
      summary = await recordLines(input, parse, store, io.report)
    }
    if (store && input.forwardUrl) {
      const forwarded = await io.forward(store, input.forwardUrl, config.timeoutMs)
      summary.forwarded = forwarded.forwarded
      summary.forwardFailed = forwarded.failed
    }
    return summary
  } finally {
    store?.close()
  }
}

function resolveNames(overrides: string[]): DlrParamNames {
  const names = resolveDlrParamNames(overrides)
  if ('error' in names) throw new UsageError(`--param ${names.error}.`)
  return names
}

async function recordLines(
  input: FeedbackInput,
  parse: { names: DlrParamNames; feedbackPath: string },
  store: EventStore | undefined,
  report: Reporter,
): Promise<FeedbackSummary> {
  const summary: FeedbackSummary = { lines: 0, new: 0, duplicates: 0, bad: 0, skipped: 0, store: store?.path ?? null }
  let batch: DeliveryEvent[] = []
  const flush = () => {
    if (!store || batch.length === 0) return
    const inserted = store.recordEvents(batch, input.forwardUrl !== undefined).filter(Boolean).length
    summary.new += inserted
    summary.duplicates += batch.length - inserted
    batch = []
  }
  for await (const { text, source } of input.lines) {
    // Nobody reads our output any more (EPIPE): store what was read, read no further.
    if (report.outputClosed) break
    summary.lines += 1
    const parsed = parseDlrLine(text, { ...parse, source, receivedAt: input.now })
    if (parsed.kind === 'event') {
      report.data(parsed.event)
      batch.push(parsed.event)
      if (batch.length >= BATCH_EVENTS) {
        flush()
        // Lets stdout report a closed pipe (its error comes as an event) before we read on.
        await new Promise((resolve) => setImmediate(resolve))
      }
    } else if (parsed.kind === 'skip') {
      summary.skipped += 1
    } else {
      summary.bad += 1
      report.error(`${describeSource(source)}: not a delivery report: ${parsed.reason}`)
    }
  }
  flush()
  return summary
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
  }
}

export function summariseFeedback(summary: FeedbackSummary): string {
  const parts = [`${summary.lines} line${summary.lines === 1 ? '' : 's'}`]
  if (summary.store) parts.push(`${summary.new} new`, `${summary.duplicates} duplicate${summary.duplicates === 1 ? '' : 's'}`)
  parts.push(`${summary.bad} bad`, `${summary.skipped} skipped`)
  if (summary.forwarded !== undefined) parts.push(`${summary.forwarded} forwarded`, `${summary.forwardFailed} to forward next run`)
  const where = summary.rejectsFile ? `; bad lines in ${summary.rejectsFile}` : ''
  return `${parts.join(', ')}${summary.store ? ` (store ${summary.store})` : ''}${where}`
}

/** Exit 65 at the end when any line was bad: everything good was still recorded. */
export function badLinesError(summary: FeedbackSummary): InputError | undefined {
  if (summary.bad === 0) return undefined
  return new InputError(`${summary.bad} line${summary.bad === 1 ? ' was' : 's were'} not a delivery report; the others were processed.`)
}
