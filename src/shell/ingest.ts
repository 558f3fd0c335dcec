/**
 * The one ingestion pipeline: lines in, each parsed and admitted (core/ingest.ts), admitted
 * events into the store's writer, committed in batches, everything counted in one tally.
 * feedback, replay and serve's journal recovery are recipes on it; serve's callbacks take
 * the same rule one request at a time and share the writer through its group commit.
 */
import type { EventSource, ParseContext } from '../core/dlr.js'
import { admitLine, countLine, countStored, emptyTally, type AdmissionRules, type LineVerdict, type Tally } from '../core/ingest.js'
import type { EventWriter } from './event-store.js'
import type { ReplayProgress, Reject } from './store.js'

export interface IngestOptions {
  /** Without a store, lines are only parsed, admitted and counted (feedback without --store). */
  store: { beginBatch(forward: boolean): EventWriter } | undefined
  rules: AdmissionRules
  /** Parse settings; the caller sets `source` and `receivedAt` before each line. */
  context: ParseContext
}

export interface Ingest {
  readonly tally: Tally
  /** Lines and events taken since the last commit. */
  readonly pendingLines: number
  readonly pendingEvents: number
  /** Parses, admits and counts a line; an admitted event goes into the open transaction. */
  line(text: string | undefined): LineVerdict
  /** Keeps a line that was not stored (replay's rejects file), in the same transaction. */
  reject(reject: Reject): void
  /** Commits what was taken, with a replayed file's progress when given, and counts new and duplicates. */
  commit(progress?: ReplayProgress): Promise<void>
  /** Drops what was taken since the last commit. */
  abandon(): Promise<void>
}

export function createIngest(options: IngestOptions): Ingest {
  const { store, rules, context } = options
  const tally = emptyTally()
  let writer: EventWriter | undefined
  let pendingLines = 0
  let pendingEvents = 0
  return {
    tally,
    get pendingLines() {
      return pendingLines
    },
    get pendingEvents() {
      return pendingEvents
    },
    line(text) {
      const verdict = admitLine(text, context, rules)
      countLine(tally, verdict)
      pendingLines += 1
      if (verdict.kind === 'store' && store) {
        ;(writer ??= store.beginBatch(rules.forward)).add(verdict.event, verdict.forward)
        pendingEvents += 1
      }
      return verdict
    },
    reject(reject) {
      if (store) (writer ??= store.beginBatch(rules.forward)).reject(reject)
    },
    async commit(progress) {
      const committing = writer ?? (progress && store ? store.beginBatch(rules.forward) : undefined)
      writer = undefined
      pendingLines = 0
      pendingEvents = 0
      if (!committing) return
      try {
        countStored(tally, await committing.commit(progress))
      } catch (error) {
        await committing.abandon()
        throw error
      }
    },
    async abandon() {
      const dropped = writer
      writer = undefined
      pendingLines = 0
      pendingEvents = 0
      await dropped?.abandon()
    },
  }
}

export interface SourcedLine {
  text: string
  source: EventSource
  /** When it was received, if the line itself does not say (a journal record); else the run's start. */
  receivedAt?: Date
}

export interface IngestLinesOptions {
  /** Events per transaction. */
  batchEvents: number
  /** Checked before each line: true ends the reading, keeping what was read. */
  stopped?: () => boolean
  onVerdict?: (verdict: LineVerdict, line: SourcedLine) => void
}

/** Every line through `ingest`, committed each `batchEvents` events and at the end. */
export async function ingestLines(ingest: Ingest, context: ParseContext, lines: AsyncIterable<SourcedLine> | Iterable<SourcedLine>, options: IngestLinesOptions): Promise<Tally> {
  const receivedAt = context.receivedAt
  try {
    for await (const line of lines) {
      if (options.stopped?.()) break
      context.source = line.source
      context.receivedAt = line.receivedAt ?? receivedAt
      const verdict = ingest.line(line.text)
      options.onVerdict?.(verdict, line)
      if (ingest.pendingEvents >= options.batchEvents) {
        await ingest.commit()
        // Lets stdout report a closed pipe (its error comes as an event) before reading on.
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
    await ingest.commit()
  } catch (error) {
    await ingest.abandon()
    throw error
  }
  return ingest.tally
}
