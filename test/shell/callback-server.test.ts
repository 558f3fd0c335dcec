import { connect, type AddressInfo, type Socket } from 'node:net'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { callbackToken } from '../../src/core/callback-token.js'
import { DLR_PARAMS } from '../../src/core/kannel-request.js'
import { openCallbackJournal, type CallbackJournal } from '../../src/shell/callback-journal.js'
import { createCallbackServer, type CallbackServer } from '../../src/shell/callback-server.js'
import { openStore, type EventStore } from '../../src/shell/store.js'

const SECRET = 'a-long-shared-secret-0123456789'
const running: Array<{ server: CallbackServer; store: EventStore; journal: CallbackJournal }> = []
afterEach(async () => {
  for (const { server, store, journal } of running.splice(0)) {
    await server.close()
    journal.close()
    store.close()
  }
})

async function start(options: { secret?: string; limits?: Record<string, number> } = {}) {
  const store = await openStore(join(mkdtempSync(join(tmpdir(), 'sms-kannel-serve-')), 'events.db'))
  const journal = openCallbackJournal(`${store.path}.journal`)
  const logs: string[] = []
  const server = createCallbackServer({
    store,
    journal,
    names: { ...DLR_PARAMS },
    feedbackPath: '/smsKannelfeedback',
    secret: options.secret,
    forward: false,
    now: () => new Date('2026-11-28T12:00:00Z'),
    log: (line) => logs.push(line),
    ...(options.limits ? { limits: options.limits } : {}),
  })
  await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve))
  running.push({ server, store, journal })
  const base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`
  const stored = (key: string) => store.find(key).events.length
  return { base, logs, stored, store }
}

function callback(messageId: string, dlr: number, extra = ''): string {
  return `/smsKannelfeedback?seq=7&msgid=${messageId}&dlr=${dlr}&reply=&recipient=%2B491701234567&time=1795858642${extra}`
}

/**
 * Raw bytes over a socket, for requests fetch will not make. The socket stays open: the
 * server must answer and close it (a client giving up after 5 s fails the test).
 */
function rawRequest(base: string, bytes: string): Promise<{ reply: string; closedAfterMs: number }> {
  const { port } = new URL(base)
  return new Promise((resolve) => {
    const startedAt = performance.now()
    const socket: Socket = connect(Number(port), '127.0.0.1', () => socket.write(bytes))
    let reply = ''
    const giveUp = setTimeout(() => socket.destroy(), 5000)
    socket.on('data', (chunk) => (reply += chunk.toString('latin1')))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(giveUp)
      resolve({ reply, closedAfterMs: performance.now() - startedAt })
    })
  })
}

describe('callback server', () => {
  it('stores a callback before answering 200, and a repeated callback once', async () => {
    const { base, stored, logs } = await start()
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${base}${callback('m1', 1)}`)
      expect(response.status).toBe(200)
      expect(await response.text()).toBe('OK\n')
    }
    expect(stored('m1')).toBe(1)
    expect(logs).toEqual(['200 new: dlr=1 delivered seq=7 msgid=m1 to=+4917*****567', '200 duplicate: dlr=1 delivered seq=7 msgid=m1 to=+4917*****567', '200 duplicate: dlr=1 delivered seq=7 msgid=m1 to=+4917*****567'])
  })

  it.each([
    { name: 'a POST', init: { method: 'POST', body: 'x' }, path: callback('p1', 1), status: 405 },
    { name: 'another path', init: {}, path: '/other?dlr=1&msgid=p2', status: 404 },
    { name: 'a query that is no DLR', init: {}, path: '/smsKannelfeedback?hello=1', status: 400 },
    { name: 'a URL over 8 KiB', init: {}, path: callback('p3', 1, `&pad=${'x'.repeat(9000)}`), status: 414 },
  ])('refuses $name with $status and stores nothing', async ({ init, path, status }) => {
    const { base, store } = await start()
    expect((await fetch(`${base}${path}`, init)).status).toBe(status)
    for (const id of ['p1', 'p2', 'p3']) expect(store.find(id).events).toEqual([])
  })

  it('refuses a GET with a body', async () => {
    const { base, stored } = await start()
    const { reply } = await rawRequest(base, `GET ${callback('b1', 1)} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello`)
    expect(reply).toMatch(/^HTTP\/1\.1 413 /)
    expect(stored('b1')).toBe(0)
  })

  it('answers /healthz for monitoring', async () => {
    const { base } = await start()
    const response = await fetch(`${base}/healthz`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok' })
  })

  describe('with smskannel.secret', () => {
    it.each([
      { name: 'no token', token: undefined, status: 403 },
      { name: 'a wrong token', token: 'f'.repeat(32), status: 403 },
      { name: 'a token for another message', token: callbackToken(SECRET, 'other', '7'), status: 403 },
      { name: 'a token one character short', token: callbackToken(SECRET, 's1', '7').slice(0, 31), status: 403 },
      { name: 'the right token', token: callbackToken(SECRET, 's1', '7'), status: 200 },
    ])('answers $status to $name, and stores only what it accepts', async ({ token, status }) => {
      const { base, stored, logs } = await start({ secret: SECRET })
      const response = await fetch(`${base}${callback('s1', 8, token === undefined ? '' : `&token=${token}`)}`)
      expect(response.status).toBe(status)
      expect(stored('s1')).toBe(status === 200 ? 1 : 0)
      if (status === 403) expect(logs[0]).toMatch(/^403 forged or unsigned callback refused/)
    })
  })

  it('cuts off oversized headers and a slow client, while other callbacks go through', async () => {
    const { base, stored } = await start({ limits: { headersTimeoutMs: 400, requestTimeoutMs: 800, checkIntervalMs: 100 } })
    const huge = rawRequest(base, `GET ${callback('h1', 1)} HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(20_000)}\r\n\r\n`)
    const slow = rawRequest(base, `GET ${callback('slow', 1)} HTTP/1.1\r\nHost: x\r\n`)
    const others = await Promise.all(Array.from({ length: 20 }, (_, i) => fetch(`${base}${callback(`ok${i}`, 1)}`).then((response) => response.status)))
    expect(others).toEqual(Array(20).fill(200))
    expect((await huge).reply).toMatch(/^HTTP\/1\.1 431 /)
    const slowResult = await slow
    expect(slowResult.reply).toMatch(/^HTTP\/1\.1 408 /)
    expect(slowResult.closedAfterMs).toBeLessThan(2000)
    expect(stored('slow') + stored('h1')).toBe(0)
    for (let i = 0; i < 20; i++) expect(stored(`ok${i}`)).toBe(1)
  })

  it('answers 503 when the store cannot take a callback, so Kannel retries it', async () => {
    const { base, store } = await start()
    store.close()
    const response = await fetch(`${base}${callback('late', 1)}`)
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('5')
    running.pop()
  })
})
