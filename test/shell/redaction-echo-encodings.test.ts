import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'

/** Encodings a server applies on its own before it echoes a secret: none of them may be printed. */

let servers: Server[] = []
afterEach(() => {
  for (const server of servers) server.close()
  servers = []
})

function listen(handler: (request: IncomingMessage, body: Buffer) => { status: number; body: string }): Promise<string> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const { status, body } = handler(request, Buffer.concat(chunks))
      response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(body)
    })
  })
  servers.push(server)
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`)))
}

const html = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;')
const KANNEL_ENV = { SMSKANNEL_USER: 'tester', VLXSMS: '+491701234567', VLXPIN: '482913', VLXPIN_SEQUENCE: '19' }

describe('a proxy that quotes the Proxy-Authorization it got never shows the Basic token', () => {
  const user = 'pu'
  const password = 'Pr0xy!Pass/Long+9'
  const token = Buffer.from(`${user}:${password}`).toString('base64')
  const proxyUrl = (host: string) => `http://${user}:${encodeURIComponent(password)}@${host}`

  /** Refuses every request, quoting the header as is, HTML-escaped, JSON-escaped (PHP's \/) and decoded. */
  const refusingProxy = () =>
    listen((request) => {
      const header = String(request.headers['proxy-authorization'])
      const decoded = Buffer.from(header.replace(/^Basic /, ''), 'base64').toString('latin1')
      return { status: 407, body: `proxy says no; PA=${header} <p>${html(header)}</p> ${JSON.stringify({ pa: header }).replaceAll('/', '\\/')} q=${encodeURIComponent(header)} DEC=${decoded}` }
    })

  function expectHidden(output: string): void {
    expect(output).toContain('PA=Basic ********')
    for (const form of [token, token.slice(0, 8), token.replaceAll('/', '\\/').slice(0, 12), encodeURIComponent(token).slice(0, 12), password, password.slice(0, 6)]) {
      expect(output).not.toContain(form)
    }
  }

  it.each([
    ['SMSKANNEL_PROXY', ['--verbose', '--json']],
    ['SMSKANNEL_PROXY', ['config', '--check', '--verbose', '--json']],
    ['HTTP_PROXY', ['--verbose', '--json']],
    ['http_proxy', ['config', '--check', '--verbose']],
  ])('proxy from %s, %j', async (variable, args) => {
    const proxy = await refusingProxy()
    const run = await runCli([...args, '--timeout', '5s'], { ...KANNEL_ENV, SMSKANNEL_GWURL: 'http://kannel.example:13013', SMSKANNEL_PASSWORD: 'kannel-pass-1', [variable]: proxyUrl(proxy) })
    expect(run.code).not.toBe(0)
    expectHidden(run.stdout + run.stderr)
  })
})
