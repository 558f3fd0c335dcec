import { createHash } from 'node:crypto'
import { open, type FileHandle } from 'node:fs/promises'
import { accessSync, closeSync, constants, createReadStream, fstatSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { createGunzip } from 'node:zlib'
import { MAX_LINE_LENGTH, type ParseContext } from '../core/dlr.js'
import { addTally, emptyTally, type Tally } from '../core/ingest.js'
import { BusyError, InputError, SmsKannelError, StoreError } from '../core/errors.js'
import { describeFileError, errorCodeOf } from '../core/file-errors.js'
import { acquirePidLock } from './pid-lock.js'
import { adaptSqliteStore, type SharedEventStore } from './event-store.js'
import { createIngest } from './ingest.js'
import type { EventStore, Reject, ReplayProgress } from './store.js'

/**
 * Most lines per transaction. Each read chunk (a few thousand log lines) is also committed
 * before the next read, so normally that is the batch.
 */
const BATCH_LINES = 20_000
/** Enough of a file's start to recognise it after rotation, and to tell it from others. */
const IDENTITY_PROBE_BYTES = 8192
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b])
/**
 * A commit per chunk: with event keys in no order every commit rewrites pages all over the
 * indexes, so fewer, larger commits write far less.
 */
export const READ_CHUNK_BYTES = 1024 * 1024
/** The store's page cache during a replay: random index inserts find their pages in it. */
export const REPLAY_CACHE_KIB = 8 * 1024

export interface FileSummary extends Tally {
  path: string
  /** Where this run started, in bytes of (decompressed) content: 0 for a file seen first. */
  resumedAt: number
  /** Not there: a rotated file before the first rotation. Skipped, never fatal. */
  missing?: true
  /**
   * Emptied and written anew while it was read (logrotate's copytruncate): replay stopped at
   * its last commit, so the rotated copy goes on from there and the new content from its start.
   */
  rewritten?: true
}

export interface ReplaySummary extends Tally {
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
  /** An SQLite store opened by the caller is taken as it is, behind the async interface. */
  store: SharedEventStore | EventStore
  parse: Omit<ParseContext, 'source' | 'receivedAt'>
  /** Receive time for lines that carry none (bare queries): the run's start. */
  now: Date
  forward: boolean
  /** smskannel.secret: reports without its token are refused, as serve refuses them. */
  secret?: string | undefined
  acceptUnsigned?: boolean
  rejectsPath: string
  onProgress?: (report: ReplayProgressReport) => void
  batchLines?: number
}

/**
 * Replays stored DLRs into the store, resuming each file where the last run committed.
 * Events, rejects and the file's progress are committed together, so a run killed at any
 * point and run again leaves the store exactly as one clean run would.
 */
export async function replayFiles(given: ReplayOptions): Promise<ReplaySummary> {
  const options = { ...given, store: 'location' in given.store ? given.store : adaptSqliteStore(given.store) }
  const summary: ReplaySummary = { ...emptyTally(), files: [], rejectsFile: null }
  // Before anything is read: a rejects path we could not write would only fail at the end.
  checkRejectsPath(options.rejectsPath)
  const identities: string[] = []
  for (const path of options.paths) {
    const file = await replayFile(path, options)
    if (file.identity) identities.push(file.identity)
    summary.files.push(file.summary)
    addTally(summary, file.summary)
  }
  let written: number
  try {
    written = await writeRejectsFile(options.rejectsPath, options.store.rejectsFor(identities))
  } catch (error) {
    if (error instanceof SmsKannelError) throw error
    throw rejectsPathError(options.rejectsPath, errorCodeOf(error))
  }
  if (written > 0) summary.rejectsFile = options.rejectsPath
  return summary
}

function rejectsPathError(path: string, code: string | undefined): StoreError {
  return new StoreError(`Cannot write the rejects file ${path}: ${describeFileError(code)}.`, 'Pass --rejects FILE in a writable directory (default: <store>.rejects); the lines stored so far are kept.')
}

/** The rejects file is written by rename from a temporary next to it: its directory must take new files. */
function checkRejectsPath(path: string): void {
  try {
    if (statSync(path).isDirectory()) throw rejectsPathError(path, 'EISDIR')
  } catch (error) {
    if (error instanceof StoreError) throw error
    if (errorCodeOf(error) !== 'ENOENT') throw rejectsPathError(path, errorCodeOf(error))
  }
  try {
    accessSync(dirname(path), constants.W_OK | constants.X_OK)
  } catch (error) {
    throw rejectsPathError(path, errorCodeOf(error))
  }
}

interface FileIdentity {
  /** Hash of the first line; undefined while the file has no whole first line yet. */
  firstLine: string | undefined
  /** The first 8 KiB of its content (decompressed): what tells files with the same first line apart. */
  head: Buffer
  gzip: boolean
  size: number
  /** The inode read: the path may be renamed away (rotated) and made anew meanwhile. */
  inode?: number
  missing?: true
}

const hashOf = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex').slice(0, 32)

/**
 * The file's progress from earlier runs: one seen before with the same first line whose head,
 * as far as it was recorded, is byte for byte this file's. A file renamed, compressed or copied
 * keeps its head; one that only shares the first line (`# saved DLRs`) does not.
 */
async function findSeenBefore(store: SharedEventStore, file: FileIdentity): Promise<ReplayProgress | undefined> {
  return (await store.progressCandidates(file.firstLine!)).find((seen) => seen.headBytes === 0 || (seen.headBytes <= file.head.length && hashOf(file.head.subarray(0, seen.headBytes)) === seen.headHash))
}

/** A key for a file seen first: from its head, made unique against files it only resembles. */
async function newIdentity(store: SharedEventStore, file: FileIdentity): Promise<string> {
  const base = hashOf(`${file.firstLine}:${hashOf(file.head)}`)
  let identity = base
  for (let n = 1; await store.progressFor(identity); n++) identity = hashOf(`${base}:${n}`)
  return identity
}

function describeOpenError(path: string, error: unknown): InputError {
  return new InputError(`Cannot read ${path}: ${describeFileError(errorCodeOf(error))}.`)
}

/** The first line and the head, decompressed if needed: the same for access.log and access.log.1.gz. */
async function identifyFile(path: string): Promise<FileIdentity> {
  let size: number
  let inode: number
  let head: Buffer
  try {
    const stats = statSync(path)
    if (!stats.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' })
    size = stats.size
    inode = stats.ino
    const fd = openSync(path, 'r')
    try {
      head = Buffer.alloc(Math.min(IDENTITY_PROBE_BYTES, size))
      readSync(fd, head, 0, head.length, 0)
    } finally {
      closeSync(fd)
    }
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return { firstLine: undefined, head: Buffer.alloc(0), gzip: false, size: 0, missing: true }
    throw describeOpenError(path, error)
  }
  const gzip = head.subarray(0, 2).equals(GZIP_MAGIC)
  const start = gzip ? await readDecompressedStart(path) : head
  const newline = start.indexOf(0x0a)
  // Without a whole first line yet the file cannot be recognised later: leave it for next run.
  const firstLine = newline === -1 ? (start.length >= IDENTITY_PROBE_BYTES ? start : undefined) : start.subarray(0, newline)
  return { firstLine: firstLine ? hashOf(firstLine) : undefined, head: start, gzip, size, inode }
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

async function replayFile(path: string, options: Omit<ReplayOptions, 'store'> & { store: SharedEventStore }): Promise<{ identity: string | undefined; summary: FileSummary }> {
  const file = await identifyFile(path)
  if (file.missing) return { identity: undefined, summary: { path, ...emptyTally(), resumedAt: 0, missing: true } }
  if (!file.firstLine) return { identity: undefined, summary: { path, ...emptyTally(), resumedAt: 0 } }
  const saved = await findSeenBefore(options.store, file)
  const identity = saved?.identity ?? (await newIdentity(options.store, file))
  // A plain file shorter than where we stopped was truncated and rewritten: start over.
  const resumeAt = saved && (file.gzip || saved.byteOffset <= file.size) ? saved : undefined
  const resumedAt = resumeAt?.byteOffset ?? 0
  let lineNumber = resumeAt?.line ?? 0

  // One context, its source updated per line: replay's hot loop allocates as little as it can.
  const context: ParseContext = { ...options.parse, source: { kind: 'file', file: path, line: 0 }, receivedAt: options.now }
  // Each event goes into the open transaction as it is parsed: holding a batch of them until
  // the commit made them outlive V8's young generation, which cost memory and GC time.
  const ingest = createIngest({ store: options.store, rules: { secret: options.secret, acceptUnsigned: options.acceptUnsigned ?? false, forward: options.forward }, context })
  const batchLines = options.batchLines ?? BATCH_LINES
  let committed = { tally: { ...ingest.tally }, lineNumber }
  const commit = async (byteOffset: number) => {
    // What was read since the last commit may be new content at old offsets: not this file's.
    if (!file.gzip && rewrittenSince(path, file, byteOffset)) throw new FileRewritten()
    // The head recorded is what has been replayed of it, so it never changes as the file grows.
    const headBytes = Math.min(file.head.length, byteOffset)
    await ingest.commit({ identity, path, byteOffset, line: lineNumber, firstLine: file.firstLine!, headBytes, headHash: hashOf(file.head.subarray(0, headBytes)) })
    committed = { tally: { ...ingest.tally }, lineNumber }
  }

  let lastOffset = resumedAt
  try {
    await forEachLine(path, file.gzip, resumedAt, (text, endOffset) => {
      lineNumber += 1
      lastOffset = endOffset
      context.source = { kind: 'file', file: path, line: lineNumber }
      const verdict = ingest.line(text)
      if (verdict.kind === 'bad' || verdict.kind === 'refused') {
        ingest.reject({ identity, line: lineNumber, path, reason: verdict.reason, raw: (text ?? '').slice(0, 4096) })
      }
      if (ingest.pendingLines >= batchLines) {
        return commit(endOffset).then(() => options.onProgress?.({ path, bytesDone: endOffset, bytesTotal: file.size, lines: ingest.tally.lines }))
      }
      return undefined
    }, () => {
      // Never hold the write lock while waiting for the next read: a stalled disk or a
      // stopped replay would keep serve and every send waiting on it.
      return ingest.pendingLines > 0 ? commit(lastOffset) : undefined
    })
    if (ingest.pendingLines > 0 || !saved) await commit(lastOffset)
  } catch (error) {
    await ingest.abandon()
    if (!(error instanceof FileRewritten)) throw error
    // Counted as far as the last commit: the rest is read again, from the file's new start, next run.
    Object.assign(ingest.tally, committed.tally)
    return { identity, summary: { path, ...ingest.tally, resumedAt, rewritten: true } }
  }
  options.onProgress?.({ path, bytesDone: file.size, bytesTotal: file.size, lines: ingest.tally.lines })
  return { identity, summary: { path, ...ingest.tally, resumedAt } }
}

/** Thrown out of a replay's commit when its file was emptied and written anew under it. */
class FileRewritten extends Error {}

/**
 * Whether the file at `path` is still the one identified, read up to `offset`: truncated
 * (shorter) or with another head, it was emptied and rewritten. A path that names another
 * inode now was renamed away (rotated): the content being read did not change.
 */
function rewrittenSince(path: string, file: FileIdentity, offset: number): boolean {
  try {
    const fd = openSync(path, 'r')
    try {
      const stats = fstatSync(fd)
      if (stats.ino !== file.inode) return false
      if (stats.size < offset) return true
      const head = Buffer.alloc(file.head.length)
      return readSync(fd, head, 0, head.length, 0) < head.length || !head.equals(file.head)
    } finally {
      closeSync(fd)
    }
  } catch {
    // Gone (renamed away, not yet made anew): the content being read did not change either.
    return false
  }
}

/**
 * Calls `onLine` for each whole line from `startOffset` on, in constant memory: `text` is
 * undefined for a line over the limit, whose bytes were dropped rather than held, and
 * `endOffset` is just past its newline, where the next run resumes. A plain file's last
 * line without a newline may still be being written, so it is left for the next run; a .gz
 * file is complete. `onChunkEnd` runs after each chunk's lines, before the next read. The lines of a chunk are handled in one synchronous loop: an async
 * generator's promise per line cost more than the parsing.
 */
async function forEachLine(
  path: string,
  gzip: boolean,
  startOffset: number,
  onLine: (text: string | undefined, endOffset: number) => Promise<void> | undefined,
  onChunkEnd: () => Promise<void> | undefined,
): Promise<void> {
  let toSkip = gzip ? startOffset : 0
  // lineStart: where the current line begins; partialBytes: its bytes seen so far in earlier
  // chunks (held in carry, unless the line is already over the limit and being dropped).
  let lineStart = startOffset
  let partialBytes = 0
  let carry: Buffer[] = []
  let overlong = false
  // for await closes the generator (and its file) if onLine throws.
  for await (let chunk of gzip ? gunzippedChunks(path) : plainChunks(path, startOffset)) {
    if (toSkip > 0) {
      const skipped = Math.min(toSkip, chunk.length)
      chunk = chunk.subarray(skipped)
      toSkip -= skipped
      if (chunk.length === 0) continue
    }
    let start = 0
    for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      const lineBytes = partialBytes + newline - start
      const text =
        overlong || lineBytes > MAX_LINE_LENGTH ? undefined
        : carry.length === 0 ? chunk.toString('utf8', start, newline)
        : Buffer.concat([...carry, chunk.subarray(start, newline)]).toString('utf8')
      lineStart += lineBytes + 1
      carry = []
      partialBytes = 0
      overlong = false
      start = newline + 1
      // A promise only when a batch commits: one await per batch, not per line.
      const committing = onLine(text, lineStart)
      if (committing) await committing
    }
    const chunkCommit = onChunkEnd()
    if (chunkCommit) await chunkCommit
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
  if (gzip && partialBytes > 0) await onLine(overlong ? undefined : Buffer.concat(carry).toString('utf8'), lineStart + partialBytes)
}

/**
 * A plain file's bytes from `start`, read into one buffer used again and again: a stream's
 * fresh buffer per read piled up outside V8's heap before a GC freed them.
 * Each chunk is valid only until the next is asked for.
 */
async function* plainChunks(path: string, start: number): AsyncGenerator<Buffer> {
  let file: FileHandle
  try {
    file = await open(path, 'r')
  } catch (error) {
    throw describeOpenError(path, error)
  }
  try {
    const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES)
    for (let position = start; ; ) {
      let bytesRead: number
      try {
        ;({ bytesRead } = await file.read(buffer, 0, buffer.length, position))
      } catch (error) {
        throw describeOpenError(path, error)
      }
      if (bytesRead === 0) return
      position += bytesRead
      yield buffer.subarray(0, bytesRead)
    }
  } finally {
    await file.close()
  }
}

async function* gunzippedChunks(path: string): AsyncGenerator<Buffer> {
  const stream = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }).pipe(createGunzip({ chunkSize: READ_CHUNK_BYTES }))
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk
  } catch {
    throw new InputError(`${path} is a damaged gzip file.`)
  } finally {
    stream.destroy()
  }
}

/** Written whole to a temporary file, then renamed: readers never see half of it. Returns the count. */
async function writeRejectsFile(path: string, rejects: AsyncIterable<Reject>): Promise<number> {
  // /dev/null, a FIFO: written into as it is, never replaced by a file or removed.
  const special = isSpecialFile(path)
  const temporary = special ? path : `${path}.${process.pid}.tmp`
  let count = 0
  let fd: number | undefined
  // Encoded into one reused buffer: a string per write became a fresh buffer each time,
  // garbage outside V8's heap that a GC frees only late.
  const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES)
  let used = 0
  const flush = () => {
    fd ??= openSync(temporary, special ? 'a' : 'w', 0o600)
    for (let written = 0; written < used; ) written += writeSync(fd, buffer, written, used - written)
    used = 0
  }
  try {
    for await (const reject of rejects) {
      const line = `${reject.path}:${reject.line}\t${reject.reason}\t${reject.raw.replace(/[\r\n\t]/g, ' ')}\n`
      const bytes = Buffer.byteLength(line)
      if (bytes > buffer.length - used) flush()
      // raw is cut at 4,096 characters, so only an absurd path could make a line this long.
      if (bytes > buffer.length) writeSync(fd!, line)
      else used += buffer.write(line, used)
      count += 1
    }
    if (count === 0) {
      // No bad lines this run: an older run's file must not read as this one's.
      if (!special) rmSync(path, { force: true })
      return 0
    }
    flush()
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
  if (!special) renameSync(temporary, path)
  return count
}

/** Something there that is neither a regular file nor missing (a device, a FIFO, a socket). */
function isSpecialFile(path: string): boolean {
  try {
    const stats = statSync(path)
    return !stats.isFile() && !stats.isDirectory()
  } catch {
    return false
  }
}

/** Runs `work` holding `<store>.replay.lock`, so two cron runs never overlap. */
export async function withReplayLock<T>(storePath: string, work: () => Promise<T>): Promise<T> {
  const lockPath = `${storePath}.replay.lock`
  const release = acquirePidLock(lockPath, (holder) => new BusyError(`Another replay (pid ${holder}) is using ${storePath}.`, `Try again when it has finished; a stale lock is ${lockPath}.`))
  try {
    return await work()
  } finally {
    release()
  }
}
