import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs'
import type { BusyError } from '../core/errors.js'

/**
 * Takes `lockPath` for this process: a file holding our pid, created only if absent. A lock
 * left by a process that no longer exists (killed) is taken over; one held by a live process
 * throws what `busy` makes of its pid. Returns the release.
 */
export function acquirePidLock(lockPath: string, busy: (holder: number) => BusyError): () => void {
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600)
      writeSync(fd, String(process.pid))
      closeSync(fd)
      break
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST' || attempt > 0) throw error
      const holder = Number(readFileSafely(lockPath))
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) throw busy(holder)
      unlinkSync(lockPath)
    }
  }
  return () => {
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
