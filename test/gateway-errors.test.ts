import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer as createTlsServer } from 'node:tls'
import { afterAll, describe, expect, it } from 'vitest'
import { EXIT } from '../src/core/errors.js'
import { freePorts } from './helpers/free-ports.js'
import { runCli } from './helpers/run-cli.js'

const PASSWORD = 'pw-Secret-9'
const PROXY_PASSWORD = 'Pr0xy!Pass'
const send = (env: Record<string, string>, args: string[] = []) =>
  runCli(['--timeout', '2s', ...args], { SMSKANNEL_USER: 'tester', SMSKANNEL_PASSWORD: PASSWORD, VLXSMS: '+491701234567', VLXPIN: '582916', VLXPIN_SEQUENCE: '4711', ...env })

const servers: Array<{ server: Server; sockets: Set<Socket> }> = []
afterAll(() => {
  for (const { server, sockets } of servers) {
    for (const socket of sockets) socket.destroy()
    server.close()
  }
})

async function listen(server: Server): Promise<number> {
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
  })
  servers.push({ server, sockets })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

/** A stand-in proxy that answers every request (CONNECT or plain) with `status`, counting them. */
async function refusingProxy(status: string): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = []
  const port = await listen(
    createNetServer((socket) => {
      let head = ''
      socket.on('data', (chunk: Buffer) => {
        head += chunk.toString('latin1')
        if (!head.includes('\r\n\r\n')) return
        requests.push(head.split('\r\n')[0]!)
        head = ''
        socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)
      })
    }),
  )
  return { url: `http://puser:${encodeURIComponent(PROXY_PASSWORD)}@127.0.0.1:${port}`, requests }
}

describe('a proxy between sms-kannel and the gateway', () => {
  it('refuses CONNECT with 407: exit 77 naming the proxy credentials, not retried, no secret shown', async () => {
    const proxy = await refusingProxy('407 Proxy Authentication Required')
    const run = await send({ SMSKANNEL_GWURL: 'https://kannel.example:13013', SMSKANNEL_PROXY: proxy.url })
    expect(run.code, run.stderr).toBe(EXIT.auth)
    expect(run.stderr).toMatch(/^error: The proxy 127\.0\.0\.1:\d+ refused to pass the request on to kannel\.example:13013: proxy authentication required \(HTTP 407\); nothing was sent\.\nhint: Check the user and password in smskannel\.proxy/m)
    expect(proxy.requests).toEqual(['CONNECT kannel.example:13013 HTTP/1.1'])
    expect(run.stderr).not.toContain(PROXY_PASSWORD)
  })

  it('answers a plain http request with 407: exit 77 as well', async () => {
    const proxy = await refusingProxy('407 Proxy Authentication Required')
    const run = await send({ SMSKANNEL_GWURL: 'http://kannel.example:13013', SMSKANNEL_PROXY: proxy.url })
    expect(run.code, run.stderr).toBe(EXIT.auth)
    expect(run.stderr).toMatch(/proxy authentication required \(HTTP 407\)/)
    expect(proxy.requests).toHaveLength(1)
  })

  it('refuses CONNECT with 403: the proxy\'s own message, exit 75, retried since nothing was sent', async () => {
    const proxy = await refusingProxy('403 Forbidden')
    const run = await send({ SMSKANNEL_GWURL: 'https://kannel.example:13013', SMSKANNEL_PROXY: proxy.url })
    expect(run.code, run.stderr).toBe(EXIT.gatewayUnavailable)
    expect(run.stderr).toMatch(/^error: The proxy 127\.0\.0\.1:\d+ refused to connect to kannel\.example:13013 \(HTTP 403\)\. \(gave up after \d+ tries on 1 gateway\)\nhint: Check smskannel\.proxy/m)
    expect(run.stderr).not.toContain('The request to')
    expect(proxy.requests.length).toBeGreaterThan(1)
  })

  it.each(['https', 'http'])('is down (%s gateway): the message blames the proxy, not smsbox', async (scheme) => {
    const [closed] = await freePorts(1)
    const run = await send({ SMSKANNEL_GWURL: `${scheme}://kannel.example:13013`, SMSKANNEL_PROXY: `http://127.0.0.1:${closed}` })
    expect(run.code, run.stderr).toBe(EXIT.gatewayUnavailable)
    expect(run.stderr).toMatch(new RegExp(`^error: Connection refused by the proxy 127\\.0\\.0\\.1:${closed} \\(on the way to kannel\\.example:13013\\): is the proxy running\\?`, 'm'))
    expect(run.stderr).toMatch(/^hint: Check smskannel\.proxy/m)
    expect(run.stderr).not.toContain('smsbox')
  })
})

/** A TLS server with a certificate made by openssl for this test; it counts handshakes tried. */
async function tlsGateway(options: { subjectAltName: string; selfSignedOnly: boolean }): Promise<{ url: string; certFile: string; handshakes: () => number }> {
  const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-cert-'))
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=sms-kannel test gateway', '-addext', `subjectAltName=${options.subjectAltName}`, ...(options.selfSignedOnly ? [] : ['-addext', 'basicConstraints=critical,CA:TRUE'])], { cwd: dir, stdio: 'pipe' })
  let handshakes = 0
  const server = createTlsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (socket) => socket.end('HTTP/1.1 202 Accepted\r\nContent-Length: 24\r\n\r\n0: Accepted for delivery'))
  server.on('tlsClientError', () => (handshakes += 1))
  server.on('secureConnection', () => (handshakes += 1))
  const port = await listen(server)
  return { url: `https://127.0.0.1:${port}`, certFile: join(dir, 'cert.pem'), handshakes: () => handshakes }
}

describe.runIf(existsSync('/usr/bin/openssl'))('an https gateway whose certificate fails verification', () => {
  it('self-signed: exit 78 at once, naming the certificate problem and smskannel.ca', async () => {
    const gateway = await tlsGateway({ subjectAltName: 'IP:127.0.0.1', selfSignedOnly: true })
    const run = await send({ SMSKANNEL_GWURL: gateway.url })
    expect(run.code, run.stderr).toBe(EXIT.config)
    expect(run.stderr).toMatch(/^error: The TLS certificate of 127\.0\.0\.1:\d+ failed verification: it is self-signed \(DEPTH_ZERO_SELF_SIGNED_CERT\); nothing was sent\.\nhint: Set smskannel\.ca \(--ca FILE\)/m)
    expect(run.stderr).not.toMatch(/gave up|try again later/)
    expect(gateway.handshakes()).toBe(1)
  })

  it('made out to another host (trusted with --ca): exit 78 at once, naming the host mismatch', async () => {
    const gateway = await tlsGateway({ subjectAltName: 'DNS:kannel.example', selfSignedOnly: false })
    const run = await send({ SMSKANNEL_GWURL: gateway.url }, ['--ca', gateway.certFile])
    expect(run.code, run.stderr).toBe(EXIT.config)
    expect(run.stderr).toMatch(/^error: The TLS certificate of 127\.0\.0\.1:\d+ failed verification: it is not made out to the host in smskannel\.gwurl \(ERR_TLS_CERT_ALTNAME_INVALID\)/m)
    expect(gateway.handshakes()).toBe(1)
  })

  it('a first gateway whose certificate fails is skipped for the next one, which takes the PIN (exit 0, with a warning)', async () => {
    const gateway = await tlsGateway({ subjectAltName: 'IP:127.0.0.1', selfSignedOnly: true })
    // A plain Kannel stand-in as the second gateway.
    const kannel = createNetServer((socket) => socket.once('data', () => socket.end('HTTP/1.1 202 Accepted\r\nServer: Kannel/1.4.5\r\nContent-Length: 24\r\n\r\n0: Accepted for delivery')))
    const port = await listen(kannel)
    const run = await send({ SMSKANNEL_GWURL: `${gateway.url}, http://127.0.0.1:${port}` })
    expect(run.code, run.stderr).toBe(EXIT.ok)
    expect(run.stderr).toMatch(/^warning: 127\.0\.0\.1:\d+ is not a working gateway and sent nothing, so the next one is tried: The TLS certificate of 127\.0\.0\.1:\d+ failed verification: it is self-signed/m)
  })

  it('the same certificate trusted with --ca and made out to the host: accepted (the stand-in is sound)', async () => {
    const gateway = await tlsGateway({ subjectAltName: 'IP:127.0.0.1', selfSignedOnly: false })
    const run = await send({ SMSKANNEL_GWURL: gateway.url }, ['--ca', gateway.certFile])
    expect(run.code, run.stderr).toBe(EXIT.ok)
  })
})
