import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { DLR_PARAMS } from '../../src/core/kannel-request.js'
import { replayFiles } from '../../src/shell/replay.js'
import { openStore } from '../../src/shell/store.js'
import { startServe } from '../helpers/serve-process.js'

const fresh = () => join(mkdtempSync(join(tmpdir(), 'sms-kannel-signals-')), 'events.db')
const callback = (i: number) => `/smsKannelfeedback?seq=${i}&msgid=m${i}&dlr=1&time=${1795858642 + i}`
const env = { SMSKANNEL_FEEDBACKURL: 'http://127.0.0.1:1/smsKannelfeedback' }

let cleanup: Array<() => void> = []
afterEach(() => {
  for (const step of cleanup.splice(0)) step()
})

/** Accepts connections and never answers: a forward target that hangs. */
async function hangingTarget(): Promise<string> {
  const sockets: Socket[] = []
  const server: Server = createServer((socket) => sockets.push(socket))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanup.push(() => {
    sockets.forEach((socket) => socket.destroy())
    server.close()
  })
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/smsKannelfeedback`
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now()
  const value = await work
  return { value, ms: performance.now() - started }
}

describe('serve stops on signals within a bounded time', () => {
  it('SIGTERM while the --forward target hangs: exits 0 at once, the reports stay pending for the next run', async () => {
    const store = fresh()
    const serve = await startServe(['--store', store, '--forward', await hangingTarget(), '--timeout', '60s'], env)
    for (let i = 0; i < 20; i++) expect((await fetch(`${serve.base}${callback(i)}`)).status).toBe(200)
    const { value: code, ms } = await timed((serve.child.kill('SIGTERM'), serve.exited))
    expect(code).toBe(0)
    expect(ms).toBeLessThan(5_000)
    const db = new Database(store, { readonly: true })
    expect(db.prepare("SELECT count(*) AS n FROM events WHERE forward_state = 'pending'").get()).toEqual({ n: 20 })
    db.close()
  })

  it('SIGTERM after a client sent pipelined callbacks and reset its connection unread: exits 0 (it waited for ever)', async () => {
    const store = fresh()
    const serve = await startServe(['--store', store], env)
    const { port } = new URL(serve.base)
    const socket = connect(Number(port), '127.0.0.1')
    await new Promise<void>((resolve) => socket.once('connect', resolve))
    // Reset while the group is being stored, before the answers are written.
    socket.write([1, 2, 3, 4, 5].map((i) => `GET ${callback(100 + i)} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''), () => socket.resetAndDestroy())
    await new Promise((resolve) => setTimeout(resolve, 300))
    const stopping = Promise.race([serve.exited, new Promise((resolve) => setTimeout(() => resolve('still running 10 s after SIGTERM'), 10_000))])
    serve.child.kill('SIGTERM')
    expect(await stopping, serve.stderr()).toBe(0)
    expect(serve.stderr()).toMatch(/stopped/)
  }, 20_000)

  it('SIGHUP (the terminal went away) stops cleanly as SIGTERM does: exit 0, journal emptied', async () => {
    const store = fresh()
    const serve = await startServe(['--store', store], env)
    expect((await fetch(`${serve.base}${callback(1)}`)).status).toBe(200)
    serve.child.kill('SIGHUP')
    expect(await serve.exited).toBe(0)
    expect(serve.stderr()).toMatch(/SIGHUP: finishing callbacks in flight[\s\S]*stopped/)
    expect(readdirSync(join(store, '..')).filter((name) => /journal\.\d+$/.test(name))).toEqual([])
  })
})

describe('another writer never freezes serve', () => {
  it('while another process holds the store\'s write lock, callbacks and /healthz get 503 within a second; after, 200', async () => {
    const store = fresh()
    const serve = await startServe(['--store', store], env)
    cleanup.push(() => serve.child.kill('SIGKILL'))
    expect((await fetch(`${serve.base}/healthz`)).status).toBe(200)
    const holder = new Database(store)
    holder.exec('BEGIN IMMEDIATE')
    try {
      const health = await timed(fetch(`${serve.base}/healthz`))
      expect(health.value.status).toBe(503)
      expect(await health.value.json()).toEqual({ status: 'store unavailable' })
      expect(health.ms).toBeLessThan(1_500)
      const refused = await timed(fetch(`${serve.base}${callback(7)}`))
      expect(refused.value.status).toBe(503)
      expect(refused.ms).toBeLessThan(1_500)
    } finally {
      holder.exec('ROLLBACK')
      holder.close()
    }
    expect((await fetch(`${serve.base}/healthz`)).status).toBe(200)
    expect((await fetch(`${serve.base}${callback(7)}`)).status).toBe(200)
  })

  it('a replay never holds the write lock while it waits for input', async () => {
    const path = fresh()
    const input = join(path, '..', 'dlrs.txt')
    writeFileSync(input, Array.from({ length: 40_000 }, (_, i) => `seq=${i}&msgid=r${i}&dlr=1&time=${1795858642 + i}\n`).join(''))
    const store = await openStore(path)
    const other = new Database(path)
    other.pragma('busy_timeout = 0')
    // Runs only when the replay awaits (a read): each time, the lock must be free.
    let probes = 0
    let blocked = 0
    const probe = setInterval(() => {
      probes += 1
      try {
        other.exec('BEGIN IMMEDIATE')
        other.exec('ROLLBACK')
      } catch {
        blocked += 1
      }
    }, 0)
    try {
      const summary = await replayFiles({ paths: [input], store, parse: { names: { ...DLR_PARAMS }, feedbackPath: '/smsKannelfeedback' }, now: new Date(), forward: false, rejectsPath: `${path}.rejects`, batchLines: 1_000_000 })
      expect(summary.new).toBe(40_000)
    } finally {
      clearInterval(probe)
      other.close()
      store.close()
    }
    expect(probes).toBeGreaterThan(0)
    expect(blocked).toBe(0)
  })
})
