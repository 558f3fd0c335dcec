import { createServer, type Server } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/core/errors.js'
import { runCli } from '../helpers/run-cli.js'

let server: Server | undefined
afterEach(() => {
  server?.close()
  server = undefined
})

/** A TCP service that is not HTTP, answering whatever it is sent with `reply`. */
async function tcpService(reply: string): Promise<number> {
  server = createServer((socket) => socket.once('data', () => socket.end(reply)))
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

const env = (port: number) => ({
  SMSKANNEL_GWURL: `http://127.0.0.1:${port}`,
  SMSKANNEL_USER: 'tester',
  SMSKANNEL_PASSWORD: 'not-the-real-one',
  VLXSMS: '+491701234567',
  VLXPIN_TEXT: 'PIN 1234',
})

describe('a gateway port where something other than HTTP answers', () => {
  it.each([
    ['an SSH server', 'SSH-2.0-OpenSSH_9.2\r\n', EXIT.protocol],
    ['an SMTP server', '220 mail.example ESMTP\r\n', EXIT.protocol],
    ['binary junk', '\u0000\u0001\u0002', EXIT.protocol],
    // HTTP that breaks later may be a damaged answer from a gateway that did send: not provable.
    ['an HTTP status line, then a broken header', 'HTTP/1.1 202 Accepted\r\nBad Header\r\n\r\n', EXIT.gatewayUnavailable],
  ])('%s: exit %i', async (_, reply, code) => {
    const run = await runCli(['--timeout', '5s'], env(await tcpService(reply)))
    expect(run.code, run.stderr).toBe(code)
    if (code === EXIT.protocol) expect(run.stderr).toContain('does not speak HTTP (its reply does not start with an HTTP status line): it is not a Kannel smsbox, and nothing was sent.')
    else expect(run.stderr).toMatch(/may have been sent|failed/)
  })
})
