import { readFileSync } from 'node:fs'
import type { Config } from '../core/config.js'
import { AuthError, CertificateError, ConfigError, GatewayUnavailableError, ProtocolError, SmsKannelError } from '../core/errors.js'
import type { SendRequest } from '../core/kannel-request.js'
import type { GatewayReply } from '../core/kannel-response.js'
import { formatDurationMs } from '../core/duration.js'
import { chooseProxy } from '../core/proxy-choice.js'
import { proxyAuthorization as proxyAuthorizationFor, proxySecrets } from '../core/proxy-credentials.js'
import { redactForms, secretForms } from '../core/redact.js'

/** Kannel's replies are a few dozen bytes; anything much larger is not Kannel. */
const MAX_REPLY_BYTES = 64 * 1024

export interface HttpClient {
  /** Sends one request; the whole exchange (connect, send, reply) ends within timeoutMs. */
  send(request: SendRequest, timeoutMs: number, options?: { connectTimeoutMs?: number }): Promise<GatewayReply>
}

export interface HttpClientOptions {
  /** PEM of a private CA that signed the gateway's certificate. */
  ca?: string | Buffer
  /** https without certificate verification; the caller warns every time. */
  insecure?: boolean
  /** An explicit proxy URL; without it, HTTPS_PROXY / HTTP_PROXY / NO_PROXY from `env`. */
  proxy?: string
  env?: Readonly<Record<string, string | undefined>>
}

/**
 * A one-shot client on node:http and node:https: for a single send it starts far faster
 * than undici, whose import and WebAssembly parser slow every login (README, performance).
 * One deadline covers connect, request and reply; whether the connection to Kannel was made
 * is tracked, since a request that never connected can be sent again safely.
 */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  return {
    async send(request, requestedTimeoutMs, sendOptions = {}) {
      const timeoutMs = Math.max(1, Math.ceil(requestedTimeoutMs))
      const connectTimeoutMs = Math.ceil(Math.min(sendOptions.connectTimeoutMs ?? timeoutMs, timeoutMs))
      const target = new URL(request.url)
      const gateway = target.host
      const secure = target.protocol === 'https:'
      const proxy = chooseProxy(target, options.proxy, options.env ?? {})
      // TLS costs milliseconds to load; a plain http gateway never needs it.
      const http = await import('node:http')
      const [https, tls] = secure ? await Promise.all([import('node:https'), import('node:tls')]) : [undefined, undefined]
      const tlsOptions = { ...(options.ca ? { ca: options.ca } : {}), rejectUnauthorized: !options.insecure, servername: isIp(target.hostname) ? '' : target.hostname }
      const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8')
      const headers: Record<string, string | number> = { ...utf8HeaderValues(request.headers), ...(body ? { 'content-length': body.length } : {}) }
      const proxyAuthorization = proxy && proxyAuthorizationFor(proxy)
      // A proxy's error page may quote the header: its token is hidden here, whichever variable named the proxy.
      const proxyForms = secretForms(proxySecrets(proxy))
      const hideProxySecrets = (text: string) => (proxyForms.length === 0 ? text : redactForms(text, proxyForms))

      return new Promise<GatewayReply>((resolve, reject) => {
        // Whether the request can have reached Kannel: through a plain HTTP proxy nobody knows.
        let reachedKannel: boolean | undefined = proxy && !secure ? undefined : false
        let settled = false
        const sockets = new Set<import('node:net').Socket>()
        const finish = (error: Error | undefined, reply?: GatewayReply) => {
          if (settled) return
          settled = true
          clearTimeout(deadline)
          clearTimeout(connectTimer)
          for (const socket of sockets) socket.destroy()
          if (error) reject(error)
          else resolve(reply!)
        }
        // Our own errors (not HTTP, a proxy refusing CONNECT) already say what happened.
        const fail = (error: unknown, timedOut = false) =>
          finish(error instanceof SmsKannelError ? error : toGatewayError(error, { gateway, timeoutMs, timedOut, connected: reachedKannel, ...(proxy ? { proxy: proxy.host } : {}) }))
        const deadline = setTimeout(() => fail(new Error('timeout'), true), timeoutMs)
        const connectTimer = setTimeout(() => {
          if (sockets.size === 0 || reachedKannel === false) fail(Object.assign(new Error('connect timeout'), { code: CONNECT_TIMEOUT }))
        }, connectTimeoutMs)
        const track = (socket: import('node:net').Socket, marksKannel: boolean) => {
          sockets.add(socket)
          const event = tls && socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect'
          socket.once(event, () => {
            clearTimeout(connectTimer)
            if (marksKannel) reachedKannel = true
          })
        }

        const onResponse = (response: import('node:http').IncomingMessage) => {
          if (proxy && response.statusCode === 407) {
            response.resume()
            fail(proxyAuthError(proxy.host, gateway))
            return
          }
          const chunks: Buffer[] = []
          let size = 0
          response.on('data', (chunk: Buffer) => {
            size += chunk.length
            if (size > MAX_REPLY_BYTES) {
              fail(new ProtocolError(`The reply from ${gateway} is larger than ${MAX_REPLY_BYTES / 1024} KiB; Kannel's replies are one line.`, 'Check smskannel.gwurl: it should point at the smsbox sendsms port.'))
              return
            }
            chunks.push(chunk)
          })
          response.on('end', () => {
            const server = response.headers['server']
            finish(undefined, { status: response.statusCode ?? 0, server: Array.isArray(server) ? server[0] : server, body: hideProxySecrets(Buffer.concat(chunks).toString('utf8')) })
          })
          response.on('error', (error) => fail(error))
          response.on('aborted', () => fail(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })))
        }

        const sendTo = (connection: Partial<import('node:https').RequestOptions>, path: string, extraHeaders: Record<string, string> = {}) => {
          // Through a CONNECT tunnel the socket is TLS already: plain HTTP goes over it.
          const library = secure && !proxy ? https! : http
          // Node uses createConnection only when no agent is given; otherwise a fresh agent each time.
          const outgoing = library.request(
            { method: request.method, path, headers: { ...headers, ...extraHeaders }, ...(connection.createConnection ? {} : { agent: false }), ...connection },
            onResponse,
          )
          outgoing.on('socket', (socket) => {
            if (!connection.createConnection) track(socket, !proxy)
          })
          outgoing.on('error', (error) => fail(reachedKannel === true && isNotHttp(error) ? notHttpError(gateway) : error))
          outgoing.end(body)
        }

        if (!proxy) {
          sendTo({ protocol: target.protocol, hostname: target.hostname, port: target.port || (secure ? 443 : 80), ...(secure ? tlsOptions : {}) }, `${target.pathname}${target.search}`)
        } else if (!secure) {
          // A plain HTTP proxy gets the absolute URI, as curl sends it.
          sendTo({ protocol: 'http:', hostname: proxy.hostname, port: proxy.port || 80 }, target.href, { host: target.host, ...(proxyAuthorization ? { 'proxy-authorization': proxyAuthorization } : {}) })
        } else {
          // https through a proxy: CONNECT, then TLS to Kannel inside the tunnel.
          const tunnel = http.request({
            hostname: proxy.hostname,
            port: proxy.port || 80,
            method: 'CONNECT',
            path: `${target.hostname}:${target.port || 443}`,
            headers: { host: `${target.hostname}:${target.port || 443}`, ...(proxyAuthorization ? { 'proxy-authorization': proxyAuthorization } : {}) },
            agent: false,
          })
          tunnel.on('socket', (socket) => sockets.add(socket))
          tunnel.on('error', (error) => fail(error))
          tunnel.on('connect', (response, socket) => {
            if (response.statusCode === 407) {
              fail(proxyAuthError(proxy.host, gateway))
              return
            }
            if (response.statusCode !== 200) {
              fail(new GatewayUnavailableError(`The proxy ${proxy.host} refused to connect to ${gateway} (HTTP ${response.statusCode}).`, { mayHaveBeenSent: false, hint: 'Check smskannel.proxy (or HTTPS_PROXY) and NO_PROXY.' }))
              return
            }
            const secured = tls!.connect({ ...tlsOptions, socket })
            track(secured, true)
            sendTo({ createConnection: () => secured, hostname: target.hostname }, `${target.pathname}${target.search}`)
          })
          tunnel.end()
        }
      })
    },
  }
}

/**
 * A client whose replies have every secret hidden before anyone looks at them: a server that
 * echoes the request must not have the password cut in half, or escaped, past redaction.
 */
export function redactingReplies(client: HttpClient, redact: (text: string) => string): HttpClient {
  return {
    async send(request, timeoutMs, options) {
      const reply = await client.send(request, timeoutMs, options)
      return { ...reply, body: redact(reply.body), ...(reply.server === undefined ? {} : { server: redact(reply.server) }) }
    },
  }
}

/**
 * The peer's very first bytes were not "HTTP/": it is no HTTP server, so not Kannel's smsbox
 * (which answers every request with an HTTP status line), and nothing can have been sent.
 * Only on a direct connection: a plain proxy might have passed the request on first.
 */
function isNotHttp(error: unknown): boolean {
  const parse = error as { code?: unknown; bytesParsed?: unknown; rawPacket?: unknown }
  return parse.code === 'HPE_INVALID_CONSTANT' && parse.bytesParsed === 0 && !(Buffer.isBuffer(parse.rawPacket) && parse.rawPacket.subarray(0, 5).toString('latin1') === 'HTTP/')
}

function notHttpError(gateway: string): ProtocolError {
  return new ProtocolError(
    `${gateway} does not speak HTTP (its reply does not start with an HTTP status line): it is not a Kannel smsbox, and nothing was sent.`,
    'Check the port in smskannel.gwurl: it should be the smsbox sendsms port (sendsms-port in kannel.conf).',
    { nothingSent: true },
  )
}

function isIp(hostname: string): boolean {
  return /^[\d.]+$/.test(hostname) || hostname.includes(':') || hostname.startsWith('[')
}

/** The client for a configuration: its CA file read here, the proxy from config or environment. */
export function httpClientFor(config: Pick<Config, 'caPath' | 'insecure' | 'proxy'>, env: Readonly<Record<string, string | undefined>>): HttpClient {
  let ca: Buffer | undefined
  if (config.caPath) {
    try {
      ca = readFileSync(config.caPath)
    } catch (error) {
      throw new ConfigError(`Cannot read the CA file ${config.caPath} (smskannel.ca): ${(error as { code?: string }).code ?? 'unreadable'}.`)
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`The CA file ${config.caPath} (smskannel.ca) holds no PEM certificate.`)
  }
  return createHttpClient({ ...(ca ? { ca } : {}), insecure: config.insecure, ...(config.proxy ? { proxy: config.proxy } : {}), env })
}

/** Our own code for a connection not made within the connect timeout: nothing was sent. */
const CONNECT_TIMEOUT = 'SMS_KANNEL_CONNECT_TIMEOUT'

/** Errors that prove the request never left this machine, so nothing can have been sent. */
const NEVER_CONNECTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  CONNECT_TIMEOUT,
])

function errorCode(error: unknown): string | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string') return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/** A proxy's 407: wrong or missing proxy credentials do not fix themselves within the timeout. */
function proxyAuthError(proxy: string, gateway: string): AuthError {
  return new AuthError(`The proxy ${proxy} refused to pass the request on to ${gateway}: proxy authentication required (HTTP 407); nothing was sent.`, 'Check the user and password in smskannel.proxy (or HTTPS_PROXY / HTTP_PROXY): http://USER:PASSWORD@host:port, URL-encoded.')
}

const PROXY_HINT = 'Check smskannel.proxy (or HTTPS_PROXY / HTTP_PROXY) and NO_PROXY.'

/** OpenSSL's verdicts on a certificate that is not trusted as it is; `dated`: only its validity period is wrong. */
const CERTIFICATE_FAILURES: Readonly<Record<string, { words: string; dated?: true }>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: { words: 'it is self-signed' },
  SELF_SIGNED_CERT_IN_CHAIN: { words: 'its chain ends in a CA this machine does not trust' },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: { words: 'it is signed by a CA this machine does not know' },
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: { words: 'it is signed by a CA this machine does not know' },
  UNABLE_TO_GET_ISSUER_CERT: { words: 'it is signed by a CA this machine does not know' },
  CERT_UNTRUSTED: { words: 'it is not trusted' },
  CERT_REJECTED: { words: 'it is rejected' },
  CERT_SIGNATURE_FAILURE: { words: 'its signature is invalid' },
  INVALID_CA: { words: 'a CA in its chain is not valid as a CA' },
  ERR_TLS_CERT_ALTNAME_INVALID: { words: 'it is not made out to the host in smskannel.gwurl' },
  HOSTNAME_MISMATCH: { words: 'it is not made out to the host in smskannel.gwurl' },
  CERT_HAS_EXPIRED: { words: 'it has expired', dated: true },
  CERT_NOT_YET_VALID: { words: 'it is not valid yet', dated: true },
}

/** OpenSSL's certificate verdicts and Node's TLS errors: the handshake failed, nothing was sent. */
function isTlsFailure(code: string): boolean {
  return code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT') || code.startsWith('UNABLE_TO_') || code === 'EPROTO' || code === 'HOSTNAME_MISMATCH'
}

/**
 * Maps Node's network and TLS errors to ours. Messages name only the host:port; Node's own
 * messages are never passed on, so nothing of the URL's query (the password) can leak.
 * `connected` is undefined when it cannot be known (through a plain HTTP proxy).
 */
export function toGatewayError(
  error: unknown,
  context: { gateway: string; timeoutMs: number; timedOut: boolean; connected: boolean | undefined; proxy?: string },
): SmsKannelError {
  const code = errorCode(error)
  const { gateway, proxy } = context
  const timeout = formatDurationMs(context.timeoutMs)
  const mayHaveBeenSent = context.connected !== false && !(code && NEVER_CONNECTED.has(code))
  const resendHint = mayHaveBeenSent
    ? 'The request reached the gateway, so the SMS may have been sent: not resent automatically, to avoid a second PIN.'
    : 'Nothing was sent; try again later.'

  if (context.timedOut || code === CONNECT_TIMEOUT) {
    const what = context.connected === false ? `could not connect to ${gateway}${proxy ? ` through the proxy ${proxy}` : ''}` : `no complete reply from ${gateway}`
    return new GatewayUnavailableError(`Timed out after ${timeout}: ${what}.`, { mayHaveBeenSent, hint: resendHint })
  }
  // Through a proxy, the only connection we make ourselves is the one to the proxy.
  if (proxy && code === 'ECONNREFUSED') {
    return new GatewayUnavailableError(`Connection refused by the proxy ${proxy} (on the way to ${gateway}): is the proxy running?`, { mayHaveBeenSent: false, hint: `${PROXY_HINT} ${resendHint}` })
  }
  if (proxy && (code === 'ENOTFOUND' || code === 'EAI_AGAIN')) {
    return new GatewayUnavailableError(`Cannot resolve the proxy host in ${proxy}.`, { mayHaveBeenSent: false, hint: `${PROXY_HINT} Check DNS.` })
  }
  if (code === 'ECONNREFUSED') {
    return new GatewayUnavailableError(`Connection refused by ${gateway}: is smsbox running?`, { mayHaveBeenSent: false, hint: resendHint })
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new GatewayUnavailableError(`Cannot resolve the gateway host in ${gateway}.`, { mayHaveBeenSent: false, hint: 'Check smskannel.gwurl and DNS.' })
  }
  const certificate = code ? CERTIFICATE_FAILURES[code] : undefined
  if (code && certificate) {
    // A certificate does not fix itself within the timeout: no retries, a setting to change.
    const hint = certificate.dated
      ? 'Renew the gateway\'s certificate, or check the clock of this machine.'
      : 'Set smskannel.ca (--ca FILE) to the PEM file of the CA that signed it, and make smskannel.gwurl name a host the certificate is made out to; smskannel.insecure = true (--insecure) skips verification, with a warning every time.'
    return new CertificateError(`The TLS certificate of ${gateway} failed verification: ${certificate.words} (${code}); nothing was sent.`, hint)
  }
  if (code && isTlsFailure(code)) {
    return new GatewayUnavailableError(`TLS handshake with ${gateway} failed (${code}).`, { mayHaveBeenSent: false, hint: 'Check the certificate and smskannel.gwurl.' })
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return new GatewayUnavailableError(`The connection to ${gateway} was closed before a complete reply.`, { mayHaveBeenSent, hint: resendHint })
  }
  return new GatewayUnavailableError(`The request to ${gateway} failed${code ? ` (${code})` : ''}.`, { mayHaveBeenSent, hint: resendHint })
}

/**
 * Node writes header values as Latin-1; written as their UTF-8 bytes instead, a sender such
 * as `Grüße` reaches Kannel as the same bytes a GET query would carry (docs/kannel.md §5).
 */
function utf8HeaderValues(headers: Readonly<Record<string, string>>): Record<string, string> {
  const encoded: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) encoded[name] = /^[\x00-\x7f]*$/.test(value) ? value : Buffer.from(value, 'utf8').toString('latin1')
  return encoded
}
