import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { MockAgent } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GatewayUnavailableError, ProtocolError } from '../../src/core/errors.js'
import type { SendRequest } from '../../src/core/kannel-request.js'
import { createHttpClient } from '../../src/shell/http.js'

const SECRET = 'hunter2-secret'

function getRequest(base: string): SendRequest {
  return { method: 'GET', url: `${base}/cgi-bin/sendsms?username=u&password=${SECRET}&to=1234567&text=PIN+999111`, headers: {}, body: undefined }
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a failure')
}

/** A TCP server that misbehaves the ways Kannel never does, on a free loopback port. */
async function listen(onConnection: (socket: Socket) => void): Promise<{ base: string; server: Server; sockets: Socket[] }> {
  const sockets: Socket[] = []
  const server = createTcpServer((socket) => {
    sockets.push(socket)
    socket.on('error', () => {})
    onConnection(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, sockets }
}

describe('a gateway that never answers ends the send within the timeout plus a quarter second', () => {
  const servers: Array<{ server: Server; sockets: Socket[] }> = []
  afterAll(() => {
    for (const { server, sockets } of servers) {
      for (const socket of sockets) socket.destroy()
      server.close()
    }
  })

  it.each([
    { name: 'accepts the connection, never answers', behave: (_socket: Socket) => {} },
    { name: 'answers headers, never the body', behave: (socket: Socket) => socket.once('data', () => socket.write('HTTP/1.1 202 Accepted\r\nServer: Kannel/1.4.5\r\nContent-Length: 24\r\n\r\n0: Acc')) },
    {
      name: 'trickles the reply a byte at a time',
      behave: (socket: Socket) =>
        socket.once('data', () => {
          const reply = 'HTTP/1.1 202 Accepted\r\nServer: Kannel/1.4.5\r\nContent-Length: 24\r\n\r\n0: Accepted for delivery'
          let sent = 0
          const timer = setInterval(() => (sent < reply.length && !socket.destroyed ? socket.write(reply[sent++]!) : clearInterval(timer)), 100)
          socket.once('close', () => clearInterval(timer))
        }),
    },
  ])('$name', async ({ behave }) => {
    const gateway = await listen(behave)
    servers.push(gateway)
    const timeoutMs = 700
    const startedAt = performance.now()
    const error = await failureOf(createHttpClient().send(getRequest(gateway.base), timeoutMs))
    const elapsedMs = performance.now() - startedAt
    expect(error).toBeInstanceOf(GatewayUnavailableError)
    expect(error.message).toMatch(/^Timed out after 700ms: no complete reply from 127\.0\.0\.1:\d+\.$/)
    expect((error as GatewayUnavailableError).mayHaveBeenSent).toBe(true)
    expect(elapsedMs).toBeLessThan(timeoutMs + 250)
    expect(elapsedMs).toBeGreaterThanOrEqual(timeoutMs - 5)
  })
})

describe('connection failures', () => {
  it('refused: nothing was sent, and the message names only host:port', async () => {
    const gateway = await listen(() => {})
    gateway.server.close()
    const error = await failureOf(createHttpClient().send(getRequest(gateway.base), 2000))
    expect(error).toBeInstanceOf(GatewayUnavailableError)
    expect((error as GatewayUnavailableError).mayHaveBeenSent).toBe(false)
    expect(error.message).toMatch(/^Connection refused by 127\.0\.0\.1:\d+: is smsbox running\?$/)
    expect(`${error.message} ${(error as GatewayUnavailableError).hint}`).not.toMatch(/hunter2|999111|password/)
  })

  it('reset after the request was written: it may have been sent', async () => {
    const gateway = await listen((socket) => socket.once('data', () => socket.resetAndDestroy()))
    const error = await failureOf(createHttpClient().send(getRequest(gateway.base), 2000))
    gateway.server.close()
    expect(error).toBeInstanceOf(GatewayUnavailableError)
    expect((error as GatewayUnavailableError).mayHaveBeenSent).toBe(true)
    expect(error.message).toMatch(/closed before a complete reply/)
    expect((error as GatewayUnavailableError).hint).toMatch(/not resent automatically/)
  })
})

describe('faults through MockAgent', () => {
  const agent = new MockAgent()
  beforeAll(() => agent.disableNetConnect())
  afterAll(() => agent.close())
  const pool = agent.get('http://kannel:13013')

  it('a reply larger than 64 KiB is not Kannel', async () => {
    pool.intercept({ path: /cgi-bin\/sendsms/, method: 'GET' }).reply(200, 'x'.repeat(70 * 1024), { headers: { server: 'nginx' } })
    const error = await failureOf(createHttpClient({ dispatcher: agent }).send(getRequest('http://kannel:13013'), 2000))
    expect(error).toBeInstanceOf(ProtocolError)
  })

  it('an undici error never passes on its own message', async () => {
    const leaky = Object.assign(new Error(`connect failed for /cgi-bin/sendsms?password=${SECRET}`), { code: 'UND_ERR_SOCKET' })
    pool.intercept({ path: /cgi-bin\/sendsms/, method: 'GET' }).replyWithError(leaky)
    const error = await failureOf(createHttpClient({ dispatcher: agent }).send(getRequest('http://kannel:13013'), 2000))
    expect(error).toBeInstanceOf(GatewayUnavailableError)
    expect(error.message).not.toContain(SECRET)
    expect(error.message).toBe('The connection to kannel:13013 was closed before a complete reply.')
  })

  it('passes status, Server header and body through', async () => {
    pool.intercept({ path: '/cgi-bin/sendsms', method: 'POST' }).reply(202, '0: Accepted for delivery', { headers: { server: 'Kannel/1.4.5' } })
    const reply = await createHttpClient({ dispatcher: agent }).send({ method: 'POST', url: 'http://kannel:13013/cgi-bin/sendsms', headers: {}, body: 'x' }, 2000)
    expect(reply).toEqual({ status: 202, server: 'Kannel/1.4.5', body: '0: Accepted for delivery' })
  })
})
