import type { Dispatcher } from 'undici'
import { GatewayUnavailableError, ProtocolError } from '../core/errors.js'
import type { SendRequest } from '../core/kannel-request.js'
import type { GatewayReply } from '../core/kannel-response.js'
import { formatDurationMs } from '../core/duration.js'

/** Kannel's replies are a few dozen bytes; anything much larger is not Kannel. */
const MAX_REPLY_BYTES = 64 * 1024

export interface HttpClient {
  /** Sends one request; the whole exchange (connect, send, reply) ends within timeoutMs. */
  send(request: SendRequest, timeoutMs: number): Promise<GatewayReply>
}

/** Errors that prove the request never left this machine, so nothing can have been sent. */
const NEVER_CONNECTED = new Set([
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
export function createHttpClient(dispatcher?: Dispatcher): HttpClient {
  return {
    async send(request, timeoutMs) {
      // Imported here so that --help, config and feedback never pay for undici (~75 ms).
      const undici = await import('undici')
      const target = new URL(request.url)
      const gateway = target.host
      let connected = false
      // Our AbortSignal is the one deadline; undici's own timers are coarse (they can fire
      // hundreds of ms early while a reply trickles in), so they only back it up.
      const backstopMs = timeoutMs + 1000
      const baseConnector = undici.buildConnector({ timeout: backstopMs })
      const ownAgent = dispatcher
        ? undefined
        : new undici.Agent({
            connect: (options, callback) =>
              baseConnector(options, (error, socket) => {
                if (!error) connected = true
                // undici's callback type is a union of the two call shapes.
                ;(callback as (e: Error | null, s: unknown) => void)(error, socket)
              }),
            headersTimeout: backstopMs,
            bodyTimeout: backstopMs,
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
        throw toGatewayError(error, { gateway, timeoutMs, timedOut: signal.aborted, connected: dispatcher ? undefined : connected })
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
  if (code && (code.startsWith('ERR_TLS') || code.includes('CERT') || code === 'ERR_SSL_WRONG_VERSION_NUMBER')) {
    return new GatewayUnavailableError(`TLS handshake with ${gateway} failed (${code}).`, { mayHaveBeenSent: false, hint: 'Check the certificate and smskannel.gwurl.' })
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') {
    return new GatewayUnavailableError(`The connection to ${gateway} was closed before a complete reply.`, { mayHaveBeenSent, hint: resendHint })
  }
  return new GatewayUnavailableError(`The request to ${gateway} failed${code ? ` (${code})` : ''}.`, { mayHaveBeenSent, hint: resendHint })
}
