import { createHash } from 'node:crypto'
import { closeSync, createReadStream, openSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { createGunzip } from 'node:zlib'
import { MAX_LINE_LENGTH, parseDlrLine, type DeliveryEvent, type ParseContext } from '../core/dlr.js'
import { BusyError, InputError } from '../core/errors.js'
import type { EventStore, Reject } from './store.js'

/** Lines per transaction: large enough to be fast, small enough that a kill loses little work. */
const BATCH_LINES = 2000
/** Enough of a file's start to recognise it after rotation; its first line is its identity. */
const IDENTITY_PROBE_BYTES = 8192
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b])
/** Larger chunks were no faster and cost peak memory. */
export const READ_CHUNK_BYTES = 256 * 1024

export interface FileSummary {
  path: string
  lines: number
  new: number
  duplicates: number
  bad: number
  skipped: number
  /** Where this run started, in bytes of (decompressed) content: 0 for a file seen first. */
  resumedAt: number
}

export interface ReplaySummary {
  lines: number
  new: number
  duplicates: number
  bad: number
  skipped: number
  files: FileSummary[]
  rejectsFile: string | null
}

export interface ReplayProgressReport {
  path: string
  bytesDone: number
  bytesTotal: number
  lines: number
}

export interface ReplayOptions {
  paths: readonly string[]
  store: EventStore
  parse: Omit<ParseContext, 'source' | 'receivedAt'>
  /** Receive time for lines that carry none (bare queries): the run's start. */
  now: Date
  forward: boolean
  rejectsPath: string
  onProgress?: (report: ReplayProgressReport) => void
  batchLines?: number
}

/**
 * Replays stored DLRs into the store, resuming each file where the last run committed.
 * Events, rejects and the file's progress are committed together, so a run killed at any
 * point and run again leaves the store exactly as one clean run would.
 */
export async function replayFiles(options: ReplayOptions): Promise<ReplaySummary> {
  const summary: ReplaySummary = { lines: 0, new: 0, duplicates: 0, bad: 0, skipped: 0, files: [], rejectsFile: null }
  const identities: string[] = []
  for (const path of options.paths) {
    const file = await replayFile(path, options)
    if (file.identity) identities.push(file.identity)
    summary.files.push(file.summary)
    for (const key of ['lines', 'new', 'duplicates', 'bad', 'skipped'] as const) summary[key] += file.summary[key]
  }
  if (writeRejectsFile(options.rejectsPath, options.store.rejectsFor(identities)) > 0) summary.rejectsFile = options.rejectsPath
  return summary
}

interface FileIdentity {
  identity: string | undefined
  gzip: boolean
  size: number
}

function describeOpenError(path: string, error: unknown): InputError {
  const code = (error as { code?: string }).code
  const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (code ?? 'unreadable')
  return new InputError(`Cannot read ${path}: ${why}.`)
}

/** The first line, decompressed if needed: the same for access.log and access.log.1.gz. */
async function identifyFile(path: string): Promise<FileIdentity> {
  let size: number
  let head: Buffer
  try {
    const stats = statSync(path)
    if (!stats.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' })
    size = stats.size
    const fd = openSync(path, 'r')
    try {
      head = Buffer.alloc(Math.min(IDENTITY_PROBE_BYTES, size))
      readSync(fd, head, 0, head.length, 0)
    } finally {
      closeSync(fd)
    }
  } catch (error) {
    throw describeOpenError(path, error)
  }
  const gzip = head.subarray(0, 2).equals(GZIP_MAGIC)
  const start = gzip ? await readDecompressedStart(path) : head
  const newline = start.indexOf(0x0a)
  // Without a whole first line yet the file cannot be recognised later: leave it for next run.
  const firstLine = newline === -1 ? (start.length >= IDENTITY_PROBE_BYTES ? start : undefined) : start.subarray(0, newline)
  return { identity: firstLine ? createHash('sha256').update(firstLine).digest('hex').slice(0, 32) : undefined, gzip, size }
}

async function readDecompressedStart(path: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  let length = 0
  const stream = createReadStream(path).pipe(createGunzip())
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk)
      length += chunk.length
      if (length >= IDENTITY_PROBE_BYTES) break
    }
  } catch {
    throw new InputError(`${path} looks like gzip but cannot be decompressed.`)
  } finally {
    stream.destroy()
  }
  return Buffer.concat(chunks).subarray(0, IDENTITY_PROBE_BYTES)
}

async function replayFile(path: string, options: ReplayOptions): Promise<{ identity: string | undefined; summary: FileSummary }> {
  const summary: FileSummary = { path, lines: 0, new: 0, duplicates: 0, bad: 0, skipped: 0, resumedAt: 0 }
  const file = await identifyFile(path)
  if (!file.identity) return { identity: undefined, summary }
  const saved = options.store.progressFor(file.identity)
  // A plain file shorter than where we stopped was truncated and rewritten: start over.
  const resumeAt = saved && (file.gzip || saved.byteOffset <= file.size) ? saved : undefined
  summary.resumedAt = resumeAt?.byteOffset ?? 0

  let lineNumber = resumeAt?.line ?? 0
  let events: DeliveryEvent[] = []
  let rejects: Reject[] = []
  let pendingLines = 0
  const batchLines = options.batchLines ?? BATCH_LINES
  const commit = (byteOffset: number) => {
    const result = options.store.recordBatch({ events, forward: options.forward, rejects, progress: { identity: file.identity!, path, byteOffset, line: lineNumber } })
    summary.new += result.inserted
    summary.duplicates += result.duplicates
    events = []
    rejects = []
    pendingLines = 0
  }

  // One context, its source updated per line: replay's hot loop allocates as little as it can.
  const context: ParseContext = { ...options.parse, source: { kind: 'file', file: path, line: 0 }, receivedAt: options.now }
  let lastOffset = summary.resumedAt
  for await (const line of readLines(path, file.gzip, summary.resumedAt)) {
    lineNumber += 1
    summary.lines += 1
    pendingLines += 1
    lastOffset = line.endOffset
    context.source = { kind: 'file', file: path, line: lineNumber }
    const parsed = line.text === undefined ? { kind: 'bad' as const, reason: `longer than ${MAX_LINE_LENGTH / 1024} KiB` } : parseDlrLine(line.text, context)
    if (parsed.kind === 'event') events.push(parsed.event)
    else if (parsed.kind === 'skip') summary.skipped += 1
    else {
      summary.bad += 1
      rejects.push({ identity: file.identity, line: lineNumber, path, reason: parsed.reason, raw: (line.text ?? '').slice(0, 4096) })
    }
    if (pendingLines >= batchLines) {
      commit(line.endOffset)
      options.onProgress?.({ path, bytesDone: line.endOffset, bytesTotal: file.size, lines: summary.lines })
    }
  }
  if (pendingLines > 0 || !saved) commit(lastOffset)
  options.onProgress?.({ path, bytesDone: file.size, bytesTotal: file.size, lines: summary.lines })
  return { identity: file.identity, summary }
}

interface Line {
  /** undefined for a line over the limit, whose bytes were dropped rather than held. */
  text: string | undefined
  /** Offset just past this line's newline: where the next run resumes. */
  endOffset: number
}

/**
 * Whole lines from `startOffset` on, in constant memory. A plain file's last line without a
 * newline may still be being written, so it is left for the next run; a .gz file is complete.
 */
async function* readLines(path: string, gzip: boolean, startOffset: number): AsyncGenerator<Line> {
  const stream = gzip
    ? createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }).pipe(createGunzip({ chunkSize: READ_CHUNK_BYTES }))
    : createReadStream(path, { start: startOffset, highWaterMark: READ_CHUNK_BYTES })
  let toSkip = gzip ? startOffset : 0
  // lineStart: where the current line begins; partialBytes: its bytes seen so far in earlier
  // chunks (held in carry, unless the line is already over the limit and being dropped).
  let lineStart = startOffset
  let partialBytes = 0
  let carry: Buffer[] = []
  let overlong = false
  try {
    for await (let chunk of stream as AsyncIterable<Buffer>) {
      if (toSkip > 0) {
        const skipped = Math.min(toSkip, chunk.length)
        chunk = chunk.subarray(skipped)
        toSkip -= skipped
        if (chunk.length === 0) continue
      }
      let start = 0
      for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
        const piece = chunk.subarray(start, newline)
        const lineBytes = partialBytes + piece.length
        const text = overlong || lineBytes > MAX_LINE_LENGTH ? undefined : (carry.length === 0 ? piece : Buffer.concat([...carry, piece])).toString('utf8')
        lineStart += lineBytes + 1
        carry = []
        partialBytes = 0
        overlong = false
        start = newline + 1
        yield { text, endOffset: lineStart }
      }
      const rest = chunk.subarray(start)
      partialBytes += rest.length
      if (overlong) continue
      if (partialBytes > MAX_LINE_LENGTH) {
        overlong = true
        carry = []
      } else if (rest.length > 0) {
        carry.push(Buffer.from(rest))
      }
    }
  } catch (error) {
    if (gzip) throw new InputError(`${path} is a damaged gzip file.`)
    throw describeOpenError(path, error)
  }
  if (gzip && partialBytes > 0) {
    yield { text: overlong ? undefined : Buffer.concat(carry).toString('utf8'), endOffset: lineStart + partialBytes }
  }
}

/** Written whole to a temporary file, then renamed: readers never see half of it. Returns the count. */
function writeRejectsFile(path: string, rejects: Iterable<Reject>): number {
  const temporary = `${path}.${process.pid}.tmp`
  let count = 0
  let fd: number | undefined
  let pending: string[] = []
  const flush = () => {
    fd ??= openSync(temporary, 'w', 0o600)
    writeSync(fd, pending.join(''))
    pending = []
  }
  try {
    for (const reject of rejects) {
      pending.push(`${reject.path}:${reject.line}\t${reject.reason}\t${reject.raw.replace(/[\r\n\t]/g, ' ')}\n`)
      count += 1
      if (pending.length >= 1000) flush()
    }
    if (count === 0) return 0
    flush()
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
  renameSync(temporary, path)
  return count
}

/**
 * Runs `work` holding `<store>.replay.lock`, so two cron runs never overlap. A lock left by
 * a process that no longer exists (killed) is taken over.
 */
export async function withReplayLock<T>(storePath: string, work: () => Promise<T>): Promise<T> {
  const lockPath = `${storePath}.replay.lock`
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600)
      writeSync(fd, String(process.pid))
      closeSync(fd)
      break
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST' || attempt > 0) throw error
      const holder = Number(readFileSafely(lockPath))
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
        throw new BusyError(`Another replay (pid ${holder}) is using ${storePath}.`, `Try again when it has finished; a stale lock is ${lockPath}.`)
      }
      unlinkSync(lockPath)
    }
  }
  try {
    return await work()
  } finally {
    try {
      unlinkSync(lockPath)
    } catch {
      // Already gone: nothing to release.
    }
  }
}

function readFileSafely(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim()
  } catch {
    return ''
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM'
  }
}
