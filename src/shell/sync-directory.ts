import { closeSync, fsyncSync, openSync } from 'node:fs'

/** A file's name survives a power cut only once its directory is synced too. */
export function syncDirectory(path: string): void {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
