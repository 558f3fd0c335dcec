import { mkdtempSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, request } from 'undici'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { openStore } from '../../src/shell/store.js'
import { eventCounts } from '../helpers/pg-events.js'
import { describeWithPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { trackServes, type ServeProcess } from '../helpers/serve-process.js'

const serves = trackServes()
afterEach(serves.killLeft)

// 128 descriptors: serve takes 64 connections (128 less its reserve of 64); the flood is far beyond both.
const FILE_LIMIT = 128
const FLOOD = 300

/** `count` idle connections to serve, and how many of them it has closed. */
function openFlood(serve: ServeProcess, count: number): { sockets: Socket[]; closed: () => number } {
  let closed = 0
  const sockets = Array.from({ length: count }, () => {
    const socket = connect(Number(new URL(serve.base).port), '127.0.0.1')
    socket.on('error', () => undefined)
    socket.on('close', () => closed++)
    return socket
  })
  return { sockets, closed: () => closed }
}

/** Kannel's one kept-alive connection (docs/kannel.md §7): opened before a flood, it is reused during it. */
function kannelConnection(serve: ServeProcess) {
  const agent = new Agent({ connections: 1 })
  return {
    get: async (path: string) => {
      const response = await request(`${serve.base}${path}`, { dispatcher: agent, headersTimeout: 3000, bodyTimeout: 3000 })
      return { status: response.statusCode, body: await response.body.text() }
    },
    close: () => agent.destroy(),
  }
}

const callback = (messageId: string) => `/smsKannelfeedback?seq=1&msgid=${messageId}&dlr=1&time=1795858642`

/** Waits until no socket has closed for a few polls: the server has closed what it will. */
async function settled(closed: () => number): Promise<void> {
  let last = -1
  for (let steady = 0; steady < 3; ) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    steady = closed() === last ? steady + 1 : 0
    last = closed()
  }
}

it('a flood of idle connections beyond the open-file limit: the excess is closed, Kannel\'s kept connection still stores callbacks, /metrics works, serve stays up', async () => {
  const store = join(mkdtempSync(join(tmpdir(), 'sms-kannel-flood-')), 'events.db')
  const serve = await serves.start(['--store', store], {}, { runUnder: ['prlimit', `--nofile=${FILE_LIMIT}:${FILE_LIMIT}`] })
  const kannel = kannelConnection(serve)
  const { get } = kannel
  let flood: Socket[] = []
  try {
    expect((await get('/healthz')).status).toBe(200)
    const opened = openFlood(serve, FLOOD)
    flood = opened.sockets
    await settled(opened.closed)
    // 63 flood connections fill serve's 64 with Kannel's; the rest were closed as they came.
    expect(opened.closed()).toBe(FLOOD - 63)

    const statuses = []
    for (let i = 0; i < 20; i++) statuses.push((await get(callback(`flood-${i}`))).status)
    expect(statuses).toEqual(Array(20).fill(200))
    // Its process metrics read /proc/self/fd, which needs a descriptor of its own.
    const metrics = await get('/metrics')
    expect(metrics.status).toBe(200)
    expect(Number(/^sms_kannel_connections_refused_total (\d+)$/m.exec(metrics.body)?.[1])).toBeGreaterThanOrEqual(FLOOD - 63)
    expect(serve.stderr().match(/64 connections open, the most serve takes/g)).toHaveLength(1)

    for (const socket of flood) socket.destroy()
    // A new connection is taken again once the flood is gone.
    await expect.poll(async () => (await fetch(`${serve.base}/healthz`)).status, { timeout: 3000 }).toBe(200)
    expect(serve.child.exitCode).toBeNull()
  } finally {
    for (const socket of flood) socket.destroy()
    await kannel.close()
  }
  serve.child.kill('SIGTERM')
  expect(await serve.exited).toBe(0)
  const reopened = await openStore(store)
  try {
    for (let i = 0; i < 20; i++) expect(reopened.find(`flood-${i}`).events).toHaveLength(1)
  } finally {
    await reopened.close()
  }
}, 30_000)

describeWithPostgres('a connection flood on a PostgreSQL store', () => {
  let server: PostgresServer
  beforeAll(async () => {
    server = await startPostgres()
  })
  afterAll(() => server?.stop())

  it('the database goes down during the flood: the journal still starts its next segment, callbacks are queued, and stored once it is back', async () => {
    const url = await server.createDatabase()
    const journal = join(mkdtempSync(join(tmpdir(), 'sms-kannel-flood-pg-')), 'serve.journal')
    const serve = await serves.start([], { SMSKANNEL_STORE: url, SMSKANNEL_JOURNAL: journal }, { runUnder: ['prlimit', `--nofile=${FILE_LIMIT}:${FILE_LIMIT}`] })
    const kannel = kannelConnection(serve)
    let flood: Socket[] = []
    const ids = Array.from({ length: 10 }, (_, i) => `flood-pg-${i}`)
    try {
      expect((await kannel.get(callback(ids[0]!))).status).toBe(200)
      const opened = openFlood(serve, FLOOD)
      flood = opened.sockets
      await settled(opened.closed)
      // Callbacks the database cannot take go to a new journal segment: a file to open.
      await server.halt()
      const statuses = []
      for (const id of ids.slice(1)) statuses.push((await kannel.get(callback(id))).status)
      expect(statuses, serve.stderr()).toEqual(Array(9).fill(200))
      expect(serve.stderr()).toMatch(/200 queued in the journal \(database unreachable\)/)
      for (const socket of flood) socket.destroy()
      await server.start()
      await expect.poll(() => /journal: the database is back/.test(serve.stderr()), { timeout: 15_000, interval: 200 }).toBe(true)
      expect(serve.child.exitCode, serve.stderr()).toBeNull()
    } finally {
      for (const socket of flood) socket.destroy()
      await kannel.close()
    }
    serve.child.kill('SIGTERM')
    expect(await serve.exited, serve.stderr()).toBe(0)
    const counts = await eventCounts(url)
    expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([])
  }, 60_000)
})
