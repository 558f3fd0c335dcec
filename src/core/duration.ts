const UNIT_MS = { ms: 1, s: 1000, m: 60_000 } as const

/**
 * Reads a timeout as people write it; a bare number means seconds, as in the Tcl script.
 * @example parseDurationMs('500ms') === 500; parseDurationMs('10') === 10_000
 * Returns undefined for anything else, so the caller can name the key or flag.
 */
export function parseDurationMs(raw: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(raw)
  if (!match) return undefined
  const unit = (match[2] ?? 's') as keyof typeof UNIT_MS
  const ms = Math.round(Number(match[1]) * UNIT_MS[unit])
  return Number.isFinite(ms) ? ms : undefined
}

export function formatDurationMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`
}
