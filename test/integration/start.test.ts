/**
 * `npm start` as a new user runs it: the delivered timeline at the end, and nothing it
 * started left running or listening, whether it finishes or is interrupted.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { expect, it } from 'vitest'
import { describeWithKannel } from './kannel-stack.js'

const REPO = resolve(import.meta.dirname, '../..')
const BASE_ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/root', TZ: 'UTC' }

interface StartRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/**
 * Starts the command; `interrupt` (if given) is sent once stderr matches `when`, to the
 * whole process group when `group` is set, as Ctrl-C at a terminal does.
 */
function runStart(
  command: string[],
  interrupt?: { signal: NodeJS.Signals; when: RegExp; group?: boolean },
  caller: { env?: Record<string, string>; cwd?: string } = {},
): Promise<StartRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command[0]!, command.slice(1), { cwd: caller.cwd ?? REPO, env: { ...BASE_ENV, ...caller.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: Boolean(interrupt?.group) })
    let stdout = ''
    let stderr = ''
    let sent = false
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8')
      if (interrupt && !sent && interrupt.when.test(stderr)) {
        sent = true
        if (interrupt.group) process.kill(-child.pid!, interrupt.signal)
        else child.kill(interrupt.signal)
      }
    })
    child.on('error', reject)
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }))
  })
}

/** The lab folder and ports the run printed on stderr. */
function labOf(run: StartRun): { lab: string; ports: number[] } {
  const match = /npm start: lab (\S+); ports: admin (\d+), smsbox (\d+), sendsms (\d+), smsc (\d+), serve (\d+)/.exec(run.stderr)
  expect(match, run.stderr).not.toBeNull()
  return { lab: match![1]!, ports: match!.slice(2).map(Number) }
}

function processesMentioning(texts: string[]): string[] {
  const found: string[] = []
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let cmdline: string
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
    } catch {
      continue
    }
    if (texts.some((text) => cmdline.includes(text))) found.push(`${pid}: ${cmdline}`)
  }
  return found
}

function listens(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolvePromise(true)
    })
    socket.once('error', () => resolvePromise(false))
  })
}

async function expectNothingLeft(run: StartRun): Promise<void> {
  const { lab, ports } = labOf(run)
  // bearerbox and smsbox name the lab's kannel.conf; fakesmsc and its sleep name the SMSC port.
  expect(processesMentioning([lab, `-r ${ports[3]}`])).toEqual([])
  for (const port of ports) expect(await listens(port), `port ${port}`).toBe(false)
  expect(existsSync(lab)).toBe(false)
}

describeWithKannel('npm start', () => {
  it('sends a PIN through a local Kannel, prints its delivered timeline, and leaves nothing behind', async () => {
    const run = await runStart(['npm', 'start', '--silent'])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^sequence 1, message [0-9a-f-]{36}, to \+4917\*{5}567: delivered after \d+\.\d s \(times in UTC\)\n {2}.* sent +accepted by Kannel at 127\.0\.0\.1:\d+\n {2}.* accepted +SMSC fake1, reply ACK\/\n {2}.* delivered +SMSC fake1, SMSC id [0-9a-f-]{36}\n$/)
    expect(run.stderr).toContain('npm start: stopped everything it started')
    await expectNothingLeft(run)
  }, 90_000)

  // An admin's shell may hold a real gateway's settings and the production store; the demo must not use them.
  it.each([
    { from: 'the environment', inDotenv: false },
    { from: 'a .env in the working directory', inDotenv: true },
  ])('uses only its own settings, none from $from', async ({ inDotenv }) => {
    const requests: string[] = []
    const gateway = createServer((request, response) => {
      requests.push(`${request.method} ${request.url}`)
      response.writeHead(403).end('refused')
    })
    await new Promise<void>((resolveListen) => gateway.listen(0, '127.0.0.1', resolveListen))
    const cwd = mkdtempSync(join(tmpdir(), 'start-caller-'))
    try {
      const foreignStore = join(cwd, 'production.db')
      const url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`
      const hostile = { SMS_PROVIDER: 'http', SMSHTTP_URL: `${url}/send`, SMSHTTP_PARAMS: 'to={to}&text={text}', SMSKANNEL_STORE: foreignStore }
      if (inDotenv) writeFileSync(join(cwd, '.env'), Object.entries(hostile).map(([name, value]) => `${name}=${value}\n`).join(''))
      const env = inDotenv ? {} : { ...hostile, HTTP_PROXY: url }
      const run = await runStart(['bash', join(REPO, 'scripts/start.sh')], undefined, { cwd, env })
      expect(run.code, run.stderr).toBe(0)
      expect(run.stdout).toMatch(/delivered after/)
      expect(requests).toEqual([])
      expect(existsSync(foreignStore)).toBe(false)
      await expectNothingLeft(run)
    } finally {
      gateway.close()
      rmSync(cwd, { recursive: true, force: true })
    }
  }, 90_000)

  it.each([
    { signal: 'SIGINT' as const, when: /Kannel is up/, code: 130 },
    { signal: 'SIGTERM' as const, when: /waiting for its delivery reports/, code: 143 },
  ])('stops everything it started on $signal', async ({ signal, when, code }) => {
    const run = await runStart(['bash', 'scripts/start.sh'], { signal, when })
    expect(run.code, run.stderr).toBe(code)
    expect(run.stderr).toContain('npm start: stopped everything it started')
    await expectNothingLeft(run)
  }, 90_000)

  it('stops everything it started on Ctrl-C at a terminal (SIGINT to npm\'s whole process group)', async () => {
    const run = await runStart(['npm', 'start', '--silent'], { signal: 'SIGINT', when: /serve: listening/, group: true })
    expect(run.signal ?? run.code).not.toBe(0)
    expect(run.stderr).toContain('npm start: stopped everything it started')
    await expectNothingLeft(run)
  }, 90_000)
})
