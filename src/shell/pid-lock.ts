import { closeSync, linkSync, lstatSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { type BusyError, StoreError } from '../core/errors.js'
import { describeFileError, errorCodeOf } from '../core/file-errors.js'

/**
 * A lock file says who holds it as "PID STARTTIME": the PID alone is not enough, since a PID
 * is used again (serve restarted as PID 1 in a container finds its own PID in its old lock).
 * STARTTIME is field 22 of /proc/PID/stat, the process's start in clock ticks since boot:
 * the same PID with another start time is another process.
 */
interface Holder {
  pid: number
  /** Absent in locks written by older versions (PID only) and where /proc is missing. */
  startTime: string | undefined
}

/** Locks this process holds now, so that finding our own PID in a lock is told apart from a stale one. */
const heldHere = new Set<string>()

/**
 * Takes `lockPath` for this process. A lock whose holder is gone (killed, a zombie, or its PID
 * now used by another process) is taken over; one held by a live holder throws what `busy`
 * makes of its PID. Returns the release. Anything else that stops us is a StoreError (74).
 */
export function acquirePidLock(lockPath: string, busy: (holder: number) => BusyError): () => void {
  const mine = `${process.pid} ${processStartTime(process.pid) ?? ''}`.trim()
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createLockFile(lockPath, mine)) {
      heldHere.add(lockPath)
      return () => releaseLock(lockPath, mine)
    }
    const seen = readLockFile(lockPath)
    if (seen === undefined) continue
    const holder = parseHolder(seen)
    if (holder && isHolderAlive(holder, lockPath)) throw busy(holder.pid)
    takeOverStale(lockPath, seen)
  }
  throw new StoreError(`The lock file ${lockPath} keeps changing hands; cannot take it.`, 'Another process is taking and dropping it; try again.')
}

/** Writes the whole content to a private file, then links it in place: nobody ever sees a half-written lock. */
function createLockFile(lockPath: string, content: string): boolean {
  const temporary = `${lockPath}.${process.pid}.tmp`
  try {
    const fd = openSync(temporary, 'w', 0o600)
    try {
      writeSync(fd, `${content}\n`)
    } finally {
      closeSync(fd)
    }
    linkSync(temporary, lockPath)
    return true
  } catch (error) {
    if (errorCodeOf(error) === 'EEXIST') {
      if (lstatSafely(lockPath)?.isDirectory()) throw lockError(lockPath, 'EISDIR')
      return false
    }
    throw lockError(lockPath, errorCodeOf(error))
  } finally {
    try {
      unlinkSync(temporary)
    } catch {
      // Never created: nothing to clean.
    }
  }
}

function lockError(lockPath: string, code: string | undefined): StoreError {
  return new StoreError(
    `Cannot use the lock file ${lockPath}: ${describeFileError(code)}.`,
    'Lock files live next to the event store; its directory must be writable, and the lock path must be free or a plain file.',
  )
}

function lstatSafely(path: string) {
  try {
    return lstatSync(path)
  } catch {
    return undefined
  }
}

/** The lock's content, or undefined when it vanished meanwhile (its holder released it). */
function readLockFile(lockPath: string): string | undefined {
  try {
    return readFileSync(lockPath, 'utf8')
  } catch (error) {
    if (errorCodeOf(error) === 'ENOENT') return undefined
    throw lockError(lockPath, errorCodeOf(error))
  }
}

export function parseHolder(content: string): Holder | undefined {
  const match = /^\s*(\d{1,10})(?:\s+(\d{1,20}))?\s*$/.exec(content)
  if (!match) return undefined
  const pid = Number(match[1])
  return pid > 0 ? { pid, startTime: match[2] } : undefined
}

/**
 * Moves the stale lock aside under a name of our own before deleting it, so two processes
 * taking over the same stale lock at once never delete a fresh one the other just made.
 */
function takeOverStale(lockPath: string, seen: string): void {
  const aside = `${lockPath}.stale.${process.pid}`
  try {
    renameSync(lockPath, aside)
  } catch (error) {
    if (errorCodeOf(error) === 'ENOENT') return
    throw lockError(lockPath, errorCodeOf(error))
  }
  const moved = readLockFile(aside)
  if (moved !== seen) {
    // Someone replaced the stale lock between our read and our rename: put theirs back.
    try {
      linkSync(aside, lockPath)
    } catch {
      // A third process took the path meanwhile; the holder check decides next round.
    }
  }
  try {
    unlinkSync(aside)
  } catch {
    // Already gone.
  }
}

function releaseLock(lockPath: string, mine: string): void {
  heldHere.delete(lockPath)
  // Only our own lock: a stale-lock takeover may have given the path to someone else.
  if (readLockFile(lockPath)?.trim() !== mine) return
  try {
    unlinkSync(lockPath)
  } catch {
    // Already gone: nothing to release.
  }
}

/** State and start time from /proc/PID/stat; undefined without /proc or for a PID that is gone. */
export function readProcessStat(pid: number): { state: string; startTime: string } | undefined {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // The command name (field 2) is in parentheses and may hold spaces and parentheses itself.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const state = fields[0]
  const startTime = fields[19]
  return state && startTime ? { state, startTime } : undefined
}

function processStartTime(pid: number): string | undefined {
  return readProcessStat(pid)?.startTime
}

function hasProc(): boolean {
  try {
    return statSync('/proc/self/stat').isFile()
  } catch {
    return false
  }
}

function isHolderAlive(holder: Holder, lockPath: string): boolean {
  if (holder.pid === process.pid) {
    // Our PID: either this very process holds it, or the lock outlived an earlier life of this PID.
    return heldHere.has(lockPath)
  }
  if (hasProc()) {
    const stat = readProcessStat(holder.pid)
    // Gone, or a zombie (dead, waiting for its parent): its lock is no one's.
    if (!stat || stat.state === 'Z' || stat.state === 'X') return false
    if (holder.startTime !== undefined) return stat.startTime === holder.startTime
    return startedBefore(holder.pid, lockPath)
  }
  try {
    process.kill(holder.pid, 0)
    return true
  } catch (error) {
    return errorCodeOf(error) === 'EPERM'
  }
}

/** Linux's clock tick for /proc times (USER_HZ): 100 on every architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100

/**
 * For a lock of an older version (PID only): a process that started after the lock was written
 * cannot have written it. The start is boot time (/proc/stat btime, whole seconds) plus ticks.
 */
function startedBefore(pid: number, lockPath: string): boolean {
  try {
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1])
    const ticks = Number(processStartTime(pid))
    if (!Number.isFinite(bootSeconds) || !Number.isFinite(ticks)) return true
    const startedMs = (bootSeconds + ticks / CLOCK_TICKS_PER_SECOND) * 1000
    return startedMs <= statSync(lockPath).mtimeMs + 1000
  } catch {
    return true
  }
}
