import { readFileSync } from 'node:fs'
import type { Dispatcher } from 'undici'
import type { Config } from '../core/config.js'
import { ConfigError, GatewayUnavailableError, ProtocolError } from '../core/errors.js'
import type { SendRequest } from '../core/kannel-request.js'
import type { GatewayReply } from '../core/kannel-response.js'
import { formatDurationMs } from '../core/duration.js'

/** Kannel's replies are a few dozen bytes; anything much larger is not Kannel. */
const MAX_REPLY_BYTES = 64 * 1024

export interface HttpClient {
  /** Sends one request; the whole exchange (connect, send, reply) ends within timeoutMs. */
  send(request: SendRequest, timeoutMs: number, options?: { connectTimeoutMs?: number }): Promise<GatewayReply>
}

export interface HttpClientOptions {
  /** For tests (MockAgent); otherwise a private dispatcher per send. */
  dispatcher?: Dispatcher
  /** PEM of a private CA that signed the gateway's certificate. */
  ca?: string | Buffer
  /** https without certificate verification; the caller warns every time. */
  insecure?: boolean
  /** An explicit proxy URL; without it, HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment. */
  proxy?: string
  useEnvironmentProxy?: boolean
}

/** The proxy variables undici's EnvHttpProxyAgent reads; NO_PROXY alone sends nothing via a proxy. */
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']

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
  return createHttpClient({
    ...(ca ? { ca } : {}),
    insecure: config.insecure,
    ...(config.proxy ? { proxy: config.proxy } : {}),
    useEnvironmentProxy: !config.proxy && PROXY_VARIABLES.some((name) => (env[name] ?? '') !== ''),
  })
}

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
  'UND_ERR_CONNECT_TIMEOUT',
])

/**
 * An undici client. `dispatcher` is for tests (MockAgent); by default a private Agent is
 * made per send and destroyed afterwards, so no idle socket keeps the process alive.
 */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const { dispatcher } = options
  const tls = { ...(options.ca ? { ca: options.ca } : {}), ...(options.insecure ? { rejectUnauthorized: false } : {}) }
  return {
    async send(request, requestedTimeoutMs, sendOptions = {}) {
      // Timers take whole milliseconds; the remaining time of a deadline rarely is one.
      const timeoutMs = Math.max(1, Math.ceil(requestedTimeoutMs))
      // Imported here so that --help, config and feedback never pay for undici (~75 ms).
      const undici = await import('undici')
      const target = new URL(request.url)
      const gateway = target.host
      let connected = false
      // Our AbortSignal is the one deadline; undici's own timers are coarse (they can fire
      // hundreds of ms early while a reply trickles in), so they only back it up.
      const backstopMs = timeoutMs + 1000
      const connectTimeoutMs = Math.ceil(Math.min(sendOptions.connectTimeoutMs ?? timeoutMs, timeoutMs))
      const timeouts = { headersTimeout: backstopMs, bodyTimeout: backstopMs }
      // Through a proxy only the proxy's side can be seen: whether Kannel got it stays unknown.
      const viaProxy = options.proxy !== undefined || options.useEnvironmentProxy === true
      const baseConnector = undici.buildConnector({ timeout: connectTimeoutMs, ...tls })
      const ownAgent = dispatcher
        ? undefined
        : options.proxy
          ? new undici.ProxyAgent({ uri: options.proxy, requestTls: tls, proxyTls: tls, connect: { timeout: connectTimeoutMs }, proxyTunnel: false, ...timeouts })
          : options.useEnvironmentProxy
            ? new undici.EnvHttpProxyAgent({ connect: { timeout: connectTimeoutMs, ...tls }, requestTls: tls, proxyTunnel: false, ...timeouts })
            : new undici.Agent({
                connect: (connectOptions, callback) =>
                  baseConnector(connectOptions, (error, socket) => {
                    if (!error) connected = true
                    // undici's callback type is a union of the two call shapes.
                    ;(callback as (e: Error | null, s: unknown) => void)(error, socket)
                  }),
                ...timeouts,
              })
      const signal = AbortSignal.timeout(timeoutMs)
      try {
        const response = await undici.request(target, {
          method: request.method,
          headers: request.headers,
          body: request.body ?? null,
          signal,
          dispatcher: dispatcher ?? ownAgent!,
        })
        const body = await readLimitedText(response.body, MAX_REPLY_BYTES, gateway)
        const server = response.headers['server']
        return { status: response.statusCode, server: Array.isArray(server) ? server[0] : server, body }
      } catch (error) {
        if (error instanceof ProtocolError) throw error
        throw toGatewayError(error, { gateway, timeoutMs, timedOut: signal.aborted, connected: dispatcher || viaProxy ? undefined : connected })
      } finally {
        // destroy, not close: a hung gateway must not hold the process past the timeout.
        ownAgent?.destroy().catch(() => {})
      }
    },
  }
}

async function readLimitedText(body: AsyncIterable<Buffer> & { destroy?: () => void }, limit: number, gateway: string): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.length
    if (size > limit) {
      body.destroy?.()
      throw new ProtocolError(`The reply from ${gateway} is larger than ${limit / 1024} KiB; Kannel's replies are one line.`, 'Check smskannel.gwurl: it should point at the smsbox sendsms port.')
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string') return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/** OpenSSL's certificate verdicts and Node's TLS errors: the handshake failed, nothing was sent. */
function isTlsFailure(code: string): boolean {
  return code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT') || code.startsWith('UNABLE_TO_') || code === 'EPROTO' || code === 'HOSTNAME_MISMATCH'
}

/**
 * Maps undici's and Node's errors to ours. Messages name only the host:port; undici's own
 * messages are never passed on, so nothing of the URL's query (the password) can leak.
 * `connected` is undefined when the dispatcher is not ours and it cannot be known.
 */
export function toGatewayError(
  error: unknown,
  context: { gateway: string; timeoutMs: number; timedOut: boolean; connected: boolean | undefined },
): GatewayUnavailableError {
  const code = errorCode(error)
  const { gateway } = context
  const timeout = formatDurationMs(context.timeoutMs)
  const mayHaveBeenSent = context.connected !== false && !(code && NEVER_CONNECTED.has(code))
  const resendHint = mayHaveBeenSent
    ? 'The request reached the gateway, so the SMS may have been sent: not resent automatically, to avoid a second PIN.'
    : 'Nothing was sent; try again later.'

  if (context.timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    const what = context.connected === false ? `could not connect to ${gateway}` : `no complete reply from ${gateway}`
    return new GatewayUnavailableError(`Timed out after ${timeout}: ${what}.`, { mayHaveBeenSent, hint: resendHint })
  }
  if (code === 'ECONNREFUSED') {
    return new GatewayUnavailableError(`Connection refused by ${gateway}: is smsbox running?`, { mayHaveBeenSent: false, hint: resendHint })
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new GatewayUnavailableError(`Cannot resolve the gateway host in ${gateway}.`, { mayHaveBeenSent: false, hint: 'Check smskannel.gwurl and DNS.' })
  }
  if (code && isTlsFailure(code)) {
    return new GatewayUnavailableError(`TLS handshake with ${gateway} failed (${code}).`, { mayHaveBeenSent: false, hint: 'Check the certificate and smskannel.gwurl.' })
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') {
    return new GatewayUnavailableError(`The connection to ${gateway} was closed before a complete reply.`, { mayHaveBeenSent, hint: resendHint })
  }
  return new GatewayUnavailableError(`The request to ${gateway} failed${code ? ` (${code})` : ''}.`, { mayHaveBeenSent, hint: resendHint })
}
