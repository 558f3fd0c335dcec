import { describe, expect, it } from 'vitest'
import { createReporter } from '../../src/shell/output.js'

function capture(options: { isTTY: boolean; env?: Record<string, string>; verbose?: boolean }) {
  const out = { stdout: '', stderr: '' }
  const report = createReporter({
    stdout: { write: (text: string) => (out.stdout += text) },
    stderr: { write: (text: string) => (out.stderr += text), isTTY: options.isTTY },
    env: options.env ?? {},
    verbose: options.verbose ?? false,
  })
  return { report, out }
}

const ANSI = /\u001b\[/

describe('createReporter', () => {
  it.each([
    { name: 'a terminal', isTTY: true, env: {}, coloured: true },
    { name: 'a terminal with NO_COLOR', isTTY: true, env: { NO_COLOR: '1' }, coloured: false },
    { name: 'a terminal with TERM=dumb', isTTY: true, env: { TERM: 'dumb' }, coloured: false },
    { name: 'a pipe (the wrapper)', isTTY: false, env: {}, coloured: false },
  ])('colours stderr only on $name', ({ isTTY, env, coloured }) => {
    const { report, out } = capture({ isTTY, env })
    report.success('sent')
    report.warn('queued')
    expect(ANSI.test(out.stderr)).toBe(coloured)
    expect(out.stderr.replace(/\u001b\[\d+m/g, '')).toBe('✔ sent\nwarning: queued\n')
  })

  it('keeps stdout for data: one JSON object per line, never coloured', () => {
    const { report, out } = capture({ isTTY: true })
    report.data({ outcome: 'accepted' })
    report.data({ outcome: 'queued' })
    expect(out.stdout).toBe('{"outcome":"accepted"}\n{"outcome":"queued"}\n')
    expect(out.stderr).toBe('')
  })

  it('hides every registered secret in every channel, also URL-encoded', () => {
    const { report, out } = capture({ isTTY: false, verbose: true })
    report.addSecrets('p&ss word', '482913', undefined)
    report.data({ url: 'x?password=p%26ss%20word&text=PIN+482913' })
    report.text('p&ss word')
    report.error('failed with 482913', 'hint p%26ss+word')
    report.verbose('verbose 482913')
    expect(out.stdout + out.stderr).not.toMatch(/482913|p&ss|p%26ss/)
    expect(out.stderr).toContain('error: failed with ********')
  })

  it('prints verbose lines only with --verbose', () => {
    const quiet = capture({ isTTY: false })
    quiet.report.verbose('step')
    expect(quiet.out.stderr).toBe('')
    const loud = capture({ isTTY: false, verbose: true })
    loud.report.verbose('step')
    expect(loud.out.stderr).toBe('step\n')
  })
})
