import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
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

describe('replies', () => {
  it('a reply larger than 64 KiB is not Kannel', async () => {
    const gateway = await listen((socket) => socket.once('data', () => socket.end(`HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: ${70 * 1024}\r\n\r\n${'x'.repeat(70 * 1024)}`)))
    const error = await failureOf(createHttpClient().send(getRequest(gateway.base), 2000))
    gateway.server.close()
    expect(error).toBeInstanceOf(ProtocolError)
  })

  it('passes status, Server header and body through, and sends the body as UTF-8 with its length', async () => {
    let received = ''
    const gateway = await listen((socket) =>
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('utf8')
        if (received.endsWith('Gültig €')) socket.end('HTTP/1.1 202 Accepted\r\nServer: Kannel/1.4.5\r\nContent-Length: 24\r\nConnection: Close\r\n\r\n0: Accepted for delivery')
      }),
    )
    const reply = await createHttpClient().send({ method: 'POST', url: `${gateway.base}/cgi-bin/sendsms`, headers: { 'x-kannel-to': '+491701234567' }, body: 'Gültig €' }, 2000)
    gateway.server.close()
    expect(reply).toEqual({ status: 202, server: 'Kannel/1.4.5', body: '0: Accepted for delivery' })
    expect(received).toMatch(/^POST \/cgi-bin\/sendsms HTTP\/1\.1\r\n/)
    expect(received).toMatch(/\r\ncontent-length: 11\r\n/i)
    expect(received).toMatch(/\r\nx-kannel-to: \+491701234567\r\n/i)
  })
})
