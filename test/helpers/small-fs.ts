import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A tmpfs of its own: the only honest way for root to get a full disk or a read-only store. */
export interface SmallFs {
  dir: string
  fill(leaveBytes: number): void
  makeReadOnly(): void
  /** More room, same files: a disk that was full has space again. */
  grow(sizeKb: number): void
  unmount(): void
}

export function canMount(): boolean {
  if (process.getuid?.() !== 0) return false
  const probe = mkdtempSync(join(tmpdir(), 'sms-kannel-mount-probe-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' })
    execFileSync('umount', [probe], { stdio: 'ignore' })
    return true
  } catch {
    return false
  } finally {
    rmSync(probe, { recursive: true, force: true })
  }
}

export function mountSmallFs(sizeKb: number): SmallFs {
  const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-smallfs-'))
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir])
  return {
    dir,
    fill(leaveBytes) {
      const free = Number(execFileSync('df', ['--output=avail', '-B1', dir]).toString().trim().split('\n').at(-1))
      if (free > leaveBytes) writeFileSync(join(dir, 'filler'), Buffer.alloc(free - leaveBytes))
    },
    makeReadOnly() {
      execFileSync('mount', ['-o', 'remount,ro', dir])
    },
    grow(sizeKb) {
      execFileSync('mount', ['-o', `remount,size=${sizeKb}k`, dir])
    },
    unmount() {
      execFileSync('umount', ['-l', dir])
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
