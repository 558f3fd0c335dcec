import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

export const BIN = resolve(import.meta.dirname, '../../bin/sms-kannel.cjs')

/** node's arguments that start the CLI with its wall clock fixed at `now` (ISO 8601); none for the real clock. */
export function fixedClockArgs(now: string | undefined): string[] {
  if (now === undefined) return []
  return ['--import', `${pathToFileURL(resolve(import.meta.dirname, 'fixed-clock.mjs')).href}?now=${encodeURIComponent(now)}`]
}

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
  elapsedMs: number
}

/** Another account (user and group ids, supplementary groups) to run the CLI as; root only, through setpriv. */
export interface Account {
  uid: number
  gid: number
  groups: readonly number[]
}

/**
 * Runs the built CLI the way VISULOX does: a fresh process with only the environment given
 * (plus PATH), in an empty directory so no stray .env is read; `now` fixes its wall clock.
 */
export function runCli(args: string[], env: Record<string, string> = {}, options: { cwd?: string; stdin?: string; now?: string; account?: Account } = {}): Promise<CliRun> {
  const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), 'sms-kannel-cwd-'))
  const startedAt = performance.now()
  // `--` as in the bin's shebang: what follows is the CLI's, not node's (--env-file).
  const node = [process.execPath, ...fixedClockArgs(options.now), '--', BIN, ...args]
  const { account } = options
  const [command, ...commandArgs] = account ? ['setpriv', `--reuid=${account.uid}`, `--regid=${account.gid}`, account.groups.length > 0 ? `--groups=${account.groups.join(',')}` : '--clear-groups', '--', ...node] : node
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command!, commandArgs, {
      cwd,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', TZ: 'UTC', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    child.on('error', reject)
    child.on('close', (code) => resolvePromise({ code, stdout, stderr, elapsedMs: performance.now() - startedAt }))
    child.stdin.end(options.stdin ?? '')
  })
}
