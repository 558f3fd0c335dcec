import { mkdtempSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, request } from 'undici'
import { afterEach, expect, it } from 'vitest'
import { openStore } from '../../src/shell/store.js'
import { trackServes } from '../helpers/serve-process.js'

const serves = trackServes()
afterEach(serves.killLeft)

// 128 descriptors: serve takes 64 connections (128 less its reserve of 64); the flood is far beyond both.
const FILE_LIMIT = 128
const FLOOD = 300

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
  // Kannel keeps its connection alive (docs/kannel.md §7): opened before the flood, it is reused during it.
  const kannel = new Agent({ connections: 1 })
  const get = async (path: string) => {
    const response = await request(`${serve.base}${path}`, { dispatcher: kannel, headersTimeout: 3000, bodyTimeout: 3000 })
    return { status: response.statusCode, body: await response.body.text() }
  }
  const flood: Socket[] = []
  try {
    expect((await get('/healthz')).status).toBe(200)
    let closed = 0
    for (let i = 0; i < FLOOD; i++) {
      const socket = connect(Number(new URL(serve.base).port), '127.0.0.1')
      socket.on('error', () => undefined)
      socket.on('close', () => closed++)
      flood.push(socket)
    }
    await settled(() => closed)
    // 63 flood connections fill serve's 64 with Kannel's; the rest were closed as they came.
    expect(closed).toBe(FLOOD - 63)

    const statuses = []
    for (let i = 0; i < 20; i++) statuses.push((await get(`/smsKannelfeedback?seq=1&msgid=flood-${i}&dlr=1&time=1795858642`)).status)
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
    await kannel.destroy()
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
