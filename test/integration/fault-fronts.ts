/**
 * Misbehaving things in front of a real Kannel, for faults Kannel itself never shows: each
 * forwards the request to smsbox (so the SMS really goes out) and then fails the client, or
 * answers without forwarding. Plus a TLS front with a private CA, and tinyproxy.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer as createTlsServer } from 'node:tls'

export type FaultMode = 'hang-after-forward' | 'headers-then-hang' | 'trickle' | 'reset-after-forward' | 'html-200' | 'status-500' | 'status-503'

const CANNED: Partial<Record<FaultMode, string>> = {
  'html-200': reply('200 OK', 'Apache/2.4', 'text/html', '<html><body><h1>Welcome</h1></body></html>'),
  'status-500': reply('500 Internal Server Error', 'nginx', 'text/html', '<html>oops</html>'),
  // What Kannel itself answers when its queue is full (docs/kannel.md §6).
  'status-503': reply('503 Foo', 'Kannel/1.4.5', 'text/html', 'Temporal failure, try again later.'),
}

function reply(status: string, server: string, type: string, body: string): string {
  return `HTTP/1.1 ${status}\r\nServer: ${server}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
}

export interface Front {
  url: string
  close(): Promise<void>
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

function closer(server: Server, sockets: Set<Socket>) {
  return () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resolve())
    })
}

export async function startFaultFront(mode: FaultMode, kannelPort: number): Promise<Front> {
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    sockets.add(client)
    client.on('error', () => {})
    client.on('close', () => sockets.delete(client))
    const canned = CANNED[mode]
    if (canned) {
      client.once('data', () => client.end(canned))
      return
    }
    const kannel = connect(kannelPort, '127.0.0.1')
    sockets.add(kannel)
    kannel.on('error', () => {})
    client.pipe(kannel)
    let replied = Buffer.alloc(0)
    kannel.on('data', (chunk: Buffer) => {
      replied = Buffer.concat([replied, chunk])
      if (mode === 'reset-after-forward') client.resetAndDestroy()
      else if (mode === 'headers-then-hang') {
        const end = replied.indexOf('\r\n\r\n')
        if (end !== -1 && !client.destroyed) client.write(replied.subarray(0, end + 4))
      } else if (mode === 'trickle') {
        let sent = 0
        const timer = setInterval(() => (sent < replied.length && !client.destroyed ? client.write(replied.subarray(sent, ++sent)) : clearInterval(timer)), 300)
        client.once('close', () => clearInterval(timer))
      }
      // hang-after-forward: Kannel has the message; the client never hears back.
    })
  })
  const port = await listen(server)
  return { url: `http://127.0.0.1:${port}`, close: closer(server, sockets) }
}

export interface TlsFront extends Front {
  caFile: string
}

/** A TLS-terminating front with a certificate from a private CA made for this test. */
export async function startTlsFront(kannelPort: number): Promise<TlsFront> {
  const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-tls-'))
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=sms-kannel test CA')
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost')
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n')
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext')
  const sockets = new Set<Socket>()
  const server = createTlsServer({ key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) }, (client) => {
    const kannel = connect(kannelPort, '127.0.0.1')
    for (const socket of [client, kannel]) {
      sockets.add(socket)
      socket.on('error', () => {})
    }
    client.pipe(kannel).pipe(client)
  })
  server.on('tlsClientError', () => {})
  const port = await listen(server)
  return { url: `https://127.0.0.1:${port}`, caFile: join(dir, 'ca.pem'), close: closer(server, sockets) }
}

export interface Tinyproxy extends Front {
  log(): string
}

export const TINYPROXY = '/usr/bin/tinyproxy'

/** Debian's tinyproxy in the foreground on a free loopback port, logging each request. */
export async function startTinyproxy(): Promise<Tinyproxy> {
  const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-proxy-'))
  const probe = createServer()
  const port = await listen(probe)
  await new Promise((resolve) => probe.close(resolve))
  const logFile = join(dir, 'tinyproxy.log')
  writeFileSync(join(dir, 'tinyproxy.conf'), [`Port ${port}`, 'Listen 127.0.0.1', 'Timeout 30', 'Allow 127.0.0.1', `LogFile "${logFile}"`, 'LogLevel Info', 'MaxClients 20', ''].join('\n'))
  const child: ChildProcess = spawn(TINYPROXY, ['-d', '-c', join(dir, 'tinyproxy.conf')], { stdio: 'ignore' })
  const log = () => {
    try {
      return readFileSync(logFile, 'utf8')
    } catch {
      return ''
    }
  }
  for (let i = 0; i < 100 && !log().includes('listening on'); i++) await new Promise((resolve) => setTimeout(resolve, 50))
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGKILL')
      }),
  }
}
