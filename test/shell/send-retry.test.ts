import { describe, expect, it } from 'vitest'
import { send, type SendIo } from '../../src/commands/send.js'
import { EXIT, GatewayUnavailableError, SmsKannelError } from '../../src/core/errors.js'
import type { SendRequest } from '../../src/core/kannel-request.js'
import type { GatewayReply } from '../../src/core/kannel-response.js'
import { createReporter } from '../../src/shell/output.js'

type Step = GatewayReply | GatewayUnavailableError

const refused = () => new GatewayUnavailableError('Connection refused', { mayHaveBeenSent: false })
const timedOut = () => new GatewayUnavailableError('Timed out', { mayHaveBeenSent: true })
const accepted: GatewayReply = { status: 202, server: 'Kannel/1.4.5', body: '0: Accepted for delivery' }
const busy: GatewayReply = { status: 503, server: 'Kannel/1.4.5', body: 'Temporal failure, try again later.' }

/** send() with a scripted gateway and a fake clock: what each try got, and when. */
async function sendWith(steps: Step[], config: Record<string, string> = {}) {
  let clockMs = 0
  const calls: Array<{ host: string; atMs: number; timeoutMs: number }> = []
  const io: SendIo = {
    http: () => ({
      send: async (request: SendRequest, timeoutMs: number) => {
        calls.push({ host: new URL(request.url).host, atMs: clockMs, timeoutMs })
        const step = steps.shift() ?? refused()
        clockMs += 10
        if (step instanceof Error) throw step
        return step
      },
    }),
    report: createReporter({ stdout: { write: () => true }, stderr: { write: () => true }, env: {}, verbose: false }),
    loadNumberParser: async () => {
      throw new Error('not used')
    },
    now: () => clockMs,
    sleep: async (ms) => {
      clockMs += ms
    },
    wallClock: () => new Date(clockMs),
    recordSend: async () => {},
  }
  const values = { 'smskannel.gwurl': 'http://one:13013 http://two:13013', 'smskannel.user': 'u', 'smskannel.password': 'secret', 'smskannel.timeout': '2s', ...config }
  const sources = { file: Object.fromEntries(Object.entries(values).map(([key, value]) => [key, { value, where: 'test' }])) }
  try {
    const result = await send({ sources, env: {}, to: '+491701234567', text: 'PIN 1', dryRun: false, messageId: 'm', timeZone: () => 'UTC' }, io)
    return { result, calls, exitCode: EXIT.ok as number }
  } catch (error) {
    if (!(error instanceof SmsKannelError)) throw error
    return { error, calls, exitCode: error.exitCode as number }
  }
}

describe('send fails over and retries only when nothing can have been sent', () => {
  it('first gateway refuses, second takes it: one message, two tries', async () => {
    const { result, calls } = await sendWith([refused(), accepted])
    expect(calls.map((call) => call.host)).toEqual(['one:13013', 'two:13013'])
    expect(result).toMatchObject({ outcome: 'accepted', gateway: 'two:13013', tries: 2 })
  })

  it('Kannel says 503 (queue full): the next gateway is tried', async () => {
    const { result } = await sendWith([busy, accepted])
    expect(result).toMatchObject({ gateway: 'two:13013', tries: 2 })
  })

  it('a timeout after sending is never retried: exit 75, one try', async () => {
    const { calls, exitCode, error } = await sendWith([timedOut(), accepted])
    expect(calls).toHaveLength(1)
    expect(exitCode).toBe(EXIT.gatewayUnavailable)
    expect((error as GatewayUnavailableError).mayHaveBeenSent).toBe(true)
  })

  it('unless the admin opted in with retryunsafe', async () => {
    const { result } = await sendWith([timedOut(), accepted], { 'smskannel.retryunsafe': 'true' })
    expect(result).toMatchObject({ gateway: 'two:13013', tries: 2 })
  })

  it.each([
    { name: 'wrong credentials', reply: { status: 403, server: 'Kannel/1.4.5', body: 'Authorization failed for sendsms' }, exit: EXIT.auth },
    { name: 'a reply that is not Kannel', reply: { status: 200, server: 'nginx', body: '<html>' }, exit: EXIT.protocol },
  ])('$name stops at the first gateway (exit $exit)', async ({ reply, exit }) => {
    const { calls, exitCode } = await sendWith([reply, accepted])
    expect(calls).toHaveLength(1)
    expect(exitCode).toBe(exit)
  })

  it('all gateways refusing: rounds with growing pauses, all within the one timeout, then exit 75', async () => {
    const { calls, exitCode, error } = await sendWith([])
    expect(exitCode).toBe(EXIT.gatewayUnavailable)
    expect(calls.at(-1)!.atMs).toBeLessThan(2000)
    const roundStarts = calls.filter((call) => call.host === 'one:13013').map((call) => call.atMs)
    const pauses = roundStarts.slice(1).map((at, index) => at - roundStarts[index]! - 20)
    expect(pauses).toEqual([200, 400, 800])
    expect(error!.message).toBe(`Connection refused (gave up after ${calls.length} tries on 2 gateways)`)
    for (const call of calls) expect(call.atMs + call.timeoutMs).toBeLessThanOrEqual(2000)
  })
})
