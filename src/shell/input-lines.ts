import type { EventSource } from '../core/dlr.js'
import type { Reporter } from './output.js'

/** Where feedback's lines come from when not replaying files: arguments or stdin. */
export async function* argumentLines(queries: string[]): AsyncGenerator<{ text: string; source: EventSource }> {
  for (const [index, text] of queries.entries()) yield { text, source: { kind: 'argument', index: index + 1 } }
}

export async function* emptyLines(): AsyncGenerator<{ text: string; source: EventSource }> {}

export async function* stdinLines(report: Reporter): AsyncGenerator<{ text: string; source: EventSource }> {
  const { createInterface } = await import('node:readline')
  if (process.stdin.isTTY) report.warn('reading delivery reports from stdin, one per line (Ctrl-D ends)')
  let line = 0
  for await (const text of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    line += 1
    yield { text, source: { kind: 'stdin', line } }
  }
}

/** A one-line progress bar on stderr, for replays run by hand. */
export function createProgressLine() {
  let lastDrawn = 0
  return {
    update: (progress: { path: string; bytesDone: number; bytesTotal: number; lines: number }) => {
      const now = Date.now()
      if (now - lastDrawn < 200 && progress.bytesDone < progress.bytesTotal) return
      lastDrawn = now
      const share = progress.bytesTotal > 0 ? Math.min(1, progress.bytesDone / progress.bytesTotal) : 1
      const bar = '#'.repeat(Math.round(share * 20)).padEnd(20, '.')
      process.stderr.write(`\r[${bar}] ${(share * 100).toFixed(0).padStart(3)}%  ${progress.lines.toLocaleString('en')} lines  ${progress.path.slice(-40)}\u001b[K`)
    },
    done: () => process.stderr.write('\r\u001b[K'),
  }
}
