/**
 * Starts a real Kannel (bearerbox + smsbox + fakesmsc) on free loopback ports, with a DLR
 * receiver, for one test file; stops it afterwards. Setup as in docs/kannel.md §1.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'vitest'
import { freePorts } from '../helpers/free-ports.js'

export const KANNEL_BINARIES = {
  bearerbox: '/usr/sbin/bearerbox',
  smsbox: '/usr/sbin/smsbox',
  fakesmsc: '/usr/lib/kannel/test/fakesmsc',
} as const

export function kannelMissingReason(): string | undefined {
  const missing = Object.values(KANNEL_BINARIES).filter((path) => !existsSync(path))
  return missing.length > 0 ? `not installed (${missing.join(', ')} missing)` : undefined
}

/**
 * A describe block for real-Kannel tests: skipped (loudly, by the global setup) when Kannel
 * is missing, failing instead when REQUIRE_KANNEL=1 as in CI.
 */
export function describeWithKannel(name: string, body: () => void, alsoNeeds: readonly string[] = []): void {
  const absent = alsoNeeds.filter((path) => !existsSync(path))
  const missing = kannelMissingReason() ?? (absent.length > 0 ? `missing ${absent.join(', ')}` : undefined)
  if (missing && process.env['REQUIRE_KANNEL'] === '1') {
    describe(name, () => {
      it('needs a real Kannel (REQUIRE_KANNEL=1)', () => {
        throw new Error(`Kannel is ${missing}; install kannel and kannel-extras`)
      })
    })
    return
  }
  describe.skipIf(Boolean(missing))(name, body)
}

export interface FakeSmscMessage {
  from: string
  to: string
  type: string
  /** The text as the handset would show it: UCS-2 decoded, split lines and parts joined. */
  text: string
  parts: number
}

export interface DlrRequest {
  /** The request target as Kannel sent it: path and raw query. */
  target: string
  path: string
  query: URLSearchParams
  receivedAt: Date
}

export interface KannelStack {
  gatewayUrl: string
  user: string
  password: string
  feedbackUrl: string
  dir: string
  dlrs: DlrRequest[]
  messages(): FakeSmscMessage[]
  waitFor<T>(what: string, probe: () => T | undefined, timeoutMs?: number): Promise<T>
  stopSmsbox(): Promise<void>
  /** Takes the SMSC away: bearerbox then queues, up to sms-outgoing-queue-limit. */
  stopFakesmsc(): Promise<void>
  /** A box's log file (`bearerbox.log`, `smsbox.log`), for what only Kannel knows. */
  log(name: 'bearerbox.log' | 'smsbox.log'): string
  stop(): Promise<void>
}

export interface StackOptions {
  /** Start fakesmsc; without it bearerbox has no SMSC and answers "3: Queued". */
  fakesmsc?: boolean
  maxMessages?: number
  /** Extra lines for `group = smsbox`. */
  smsboxExtra?: string[]
  /** Extra lines for the fake SMSC group, e.g. `denied-prefix = 999`. */
  smscExtra?: string[]
  /** Extra lines for `group = core`, e.g. `sms-outgoing-queue-limit = 2`. */
  coreExtra?: string[]
  /** The sendsms-user's username (default `tester`). */
  user?: string
  /** The sendsms-user's password (default `foobar-secret-1`). */
  password?: string
  /** TZ for the boxes: bearerbox's access log is written in its local time. */
  timeZone?: string
}

// Kept here too for the tests that import it with the stack.
export { freePorts }

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

async function poll<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * fakesmsc prints `Got message N: <from to type payload>` (docs/kannel.md §1, §4).
 * Concatenated parts (`udh %05%00%03<ref>%<total>%<seq> data <bytes>`) are joined back into
 * one message once all parts are in.
 */
export function parseFakeSmscOutput(output: string): FakeSmscMessage[] {
  const messages: FakeSmscMessage[] = []
  const pending = new Map<number, { message: FakeSmscMessage; parts: Buffer[]; received: number }>()
  for (const match of output.matchAll(/Got message \d+: <([\s\S]*?)>\n/g)) {
    const entry = match[1]!
    // A sender may hold spaces (`VISULOX RA 2FA PIN`); the recipient is digits.
    const head = /^(.+?) (\+?\d+) (text|ucs-2|data|udh) ?([\s\S]*)$/.exec(entry)
    if (!head) {
      // A 7-bit text with newlines arrives whole, but fakesmsc prints each line as an entry.
      if (messages.length > 0) messages.at(-1)!.text += `\n${entry}`
      continue
    }
    const [, from, to, type, payload] = head as unknown as [string, string, string, string, string]
    if (type !== 'udh') {
      messages.push({ from, to, type, text: type === 'ucs-2' ? decodeUtf16(percentBytes(payload)) : payload, parts: 1 })
      continue
    }
    const [udhText = '', , data = ''] = payload.split(' ')
    const udh = percentBytes(udhText)
    const [ref, total, seq] = [udh[3]!, udh[4]!, udh[5]!]
    let assembly = pending.get(ref)
    if (!assembly) {
      assembly = { message: { from, to, type: 'concatenated', text: '', parts: total }, parts: [], received: 0 }
      pending.set(ref, assembly)
      messages.push(assembly.message)
    }
    assembly.parts[seq - 1] = percentBytes(data)
    assembly.received += 1
    if (assembly.received === total) {
      const bytes = Buffer.concat(assembly.parts)
      const asUtf8 = bytes.toString('utf8')
      // Our texts never hold control characters, so those mean the parts are UTF-16 (UCS-2).
      assembly.message.text = /[\u0000-\u0009\u000b-\u001f]/.test(asUtf8) ? decodeUtf16(bytes) : asUtf8
      pending.delete(ref)
    }
  }
  return messages
}

/** fakesmsc URL-encodes payload bytes: `%04%1F%048%00+` (`+` is a space byte). */
function percentBytes(urlEncoded: string): Buffer {
  const byteValues: number[] = []
  for (let i = 0; i < urlEncoded.length; i++) {
    const hex = urlEncoded[i] === '%' ? /^[0-9A-Fa-f]{2}$/.exec(urlEncoded.slice(i + 1, i + 3)) : null
    if (hex) {
      byteValues.push(parseInt(hex[0], 16))
      i += 2
    } else {
      byteValues.push(urlEncoded[i] === '+' ? 0x20 : urlEncoded.charCodeAt(i))
    }
  }
  return Buffer.from(byteValues)
}

function decodeUtf16(bytes: Buffer): string {
  const units: string[] = []
  for (let i = 0; i + 1 < bytes.length; i += 2) units.push(String.fromCharCode(bytes.readUInt16BE(i)))
  return units.join('')
}

function terminate(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    // SIGKILL: a graceful bearerbox stop takes a second and we discard the stack anyway.
    child.kill('SIGKILL')
  })
}

const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

export async function startKannel(options: StackOptions = {}): Promise<KannelStack> {
  const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-stack-'))
  const [adminPort, boxPort, sendsmsPort, smscPort, dlrPort] = (await freePorts(5)) as [number, number, number, number, number]
  const user = options.user ?? 'tester'
  const password = options.password ?? 'foobar-secret-1'
  const conf = [
    'group = core',
    `admin-port = ${adminPort}`,
    'admin-interface = 127.0.0.1',
    'admin-password = adminpass',
    `smsbox-port = ${boxPort}`,
    'smsbox-interface = 127.0.0.1',
    `log-file = "${dir}/bearerbox.log"`,
    'log-level = 0',
    'box-allow-ip = 127.0.0.1',
    `access-log = "${dir}/access.log"`,
    'dlr-storage = internal',
    ...(options.coreExtra ?? []),
    '',
    'group = smsc',
    'smsc = fake',
    'smsc-id = fake1',
    `port = ${smscPort}`,
    'our-host = 127.0.0.1',
    'connect-allow-ip = 127.0.0.1',
    ...(options.smscExtra ?? []),
    '',
    'group = smsbox',
    'bearerbox-host = 127.0.0.1',
    `bearerbox-port = ${boxPort}`,
    `sendsms-port = ${sendsmsPort}`,
    'sendsms-interface = 127.0.0.1',
    'global-sender = 13013',
    `log-file = "${dir}/smsbox.log"`,
    'log-level = 0',
    ...(options.smsboxExtra ?? []),
    '',
    'group = sendsms-user',
    `username = ${user}`,
    `password = ${password}`,
    `max-messages = ${options.maxMessages ?? 5}`,
    'concatenation = true',
    '',
  ].join('\n')
  const confPath = join(dir, 'kannel.conf')
  writeFileSync(confPath, conf)

  const dlrs: DlrRequest[] = []
  const receiver: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://receiver')
    dlrs.push({ target: request.url ?? '/', path: url.pathname, query: url.searchParams, receivedAt: new Date() })
    response.writeHead(200, { 'content-length': '3' }).end('OK\n')
  })
  await new Promise<void>((resolve) => receiver.listen(dlrPort, '127.0.0.1', resolve))

  // Only fakesmsc's output is read; the boxes log to files (an unread pipe would fill and block them).
  const start = (file: string, args: string[], output: 'pipe' | 'ignore' = 'ignore') => {
    const child = spawn(file, args, { cwd: dir, stdio: ['pipe', output, output], ...(options.timeZone ? { env: { ...process.env, TZ: options.timeZone } } : {}) })
    running.add(child)
    child.once('exit', () => running.delete(child))
    return child
  }
  const children: Partial<Record<'bearerbox' | 'smsbox' | 'fakesmsc', ChildProcess>> = {}
  let fakesmscOutput = ''

  const stack: KannelStack = {
    gatewayUrl: `http://127.0.0.1:${sendsmsPort}`,
    user,
    password,
    feedbackUrl: `http://127.0.0.1:${dlrPort}/smsKannelfeedback`,
    dir,
    dlrs,
    messages: () => parseFakeSmscOutput(fakesmscOutput),
    waitFor: (what, probe, timeoutMs = 10_000) => poll(what, probe, timeoutMs),
    async stopSmsbox() {
      await terminate(children.smsbox)
    },
    async stopFakesmsc() {
      await terminate(children.fakesmsc)
      await poll('bearerbox to notice the SMSC is gone', () => readLog(join(dir, 'bearerbox.log')).split('Fakesmsc client connected').at(-1)!.includes('EOF from fakesmsc client'), 10_000)
    },
    log: (name) => readLog(join(dir, name)),
    async stop() {
      await terminate(children.smsbox)
      await terminate(children.fakesmsc)
      await terminate(children.bearerbox)
      await new Promise((resolve) => receiver.close(resolve))
      receiver.closeAllConnections()
      rmSync(dir, { recursive: true, force: true })
    },
  }

  try {
    children.bearerbox = start(KANNEL_BINARIES.bearerbox, [confPath])
    await poll('bearerbox to listen for smsbox', () => canConnect(boxPort), 15_000)
    // smsbox must come after bearerbox, or it PANICs (docs/kannel.md §1).
    children.smsbox = start(KANNEL_BINARIES.smsbox, [confPath])
    await poll('smsbox to listen for sendsms', () => canConnect(sendsmsPort), 15_000)
    if (options.fakesmsc !== false) {
      // Its stdin stays open as a pipe; never -m 0 (docs/kannel.md §1).
      const fakesmsc = start(KANNEL_BINARIES.fakesmsc, ['-H', '127.0.0.1', '-r', String(smscPort)], 'pipe')
      children.fakesmsc = fakesmsc
      const collect = (chunk: Buffer) => {
        fakesmscOutput += chunk.toString('utf8')
      }
      fakesmsc.stdout!.on('data', collect)
      fakesmsc.stderr!.on('data', collect)
      await poll('fakesmsc to connect to bearerbox', () => readLog(join(dir, 'bearerbox.log')).includes('Fakesmsc client connected'), 15_000)
    }
  } catch (error) {
    const logs = ['bearerbox.log', 'smsbox.log'].map((name) => `--- ${name}\n${readLog(join(dir, name)).slice(-2000)}`).join('\n')
    await stack.stop()
    throw new Error(`${(error as Error).message}\n${logs}`)
  }
  return stack
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}
