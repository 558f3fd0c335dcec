import { readFileSync } from 'node:fs'

/** Descriptors kept for serve's own files: journal segments, the store and its -wal, fsyncs, a database's sockets. */
export const RESERVED_DESCRIPTORS = 64
/** Kannel opens a handful of connections; thousands more would be a flood, whatever the limit. */
export const MAX_CONNECTIONS_CEILING = 4096
/** Fewer than this and a callback would rarely get in: the limit is then too low to protect anything. */
export const MIN_CONNECTIONS = 16
/** Where the open-file limit cannot be read: the usual soft limit of 1024. */
const FALLBACK_FILE_LIMIT = 1024

/**
 * The soft open-file limit from a /proc/self/limits text ("Max open files  1024  524288  files"):
 * Infinity for unlimited, undefined if the line is not there.
 */
export function parseOpenFileLimit(limits: string): number | undefined {
  const match = /^Max open files\s+(\S+)/m.exec(limits)
  if (!match) return undefined
  if (match[1] === 'unlimited') return Infinity
  const value = Number(match[1])
  return Number.isInteger(value) && value > 0 ? value : undefined
}

/** How many connections serve keeps open at once, so that a flood leaves descriptors for its own files. */
export function connectionLimit(openFileLimit: number | undefined): number {
  const limit = openFileLimit ?? FALLBACK_FILE_LIMIT
  return Math.min(MAX_CONNECTIONS_CEILING, Math.max(MIN_CONNECTIONS, limit - RESERVED_DESCRIPTORS))
}

/** This process's soft open-file limit as it is now (Node raises it to the hard limit at start); undefined off Linux. */
export function readOpenFileLimit(): number | undefined {
  try {
    return parseOpenFileLimit(readFileSync('/proc/self/limits', 'utf8'))
  } catch {
    return undefined
  }
}
