import { afterAll, beforeAll, expect, it } from 'vitest'
import { EXIT } from '../../src/core/errors.js'
import { runCli } from '../helpers/run-cli.js'
import { startFaultFront, startTinyproxy, startTlsFront, TINYPROXY, type FaultMode, type Front } from './fault-fronts.js'
import { describeWithKannel, startKannel, type KannelStack } from './kannel-stack.js'
import { countDelivered, gatewayEnv, uniqueToken } from './messages.js'

describeWithKannel('fault suite against a real Kannel: exit codes, and never a second PIN', () => {
  let stack: KannelStack
  let kannelPort: number
  const fronts: Front[] = []
  beforeAll(async () => {
    stack = await startKannel()
    kannelPort = Number(new URL(stack.gatewayUrl).port)
  })
  afterAll(async () => {
    for (const front of fronts) await front.close()
    await stack?.stop()
  })

  async function sendVia(gateways: string[], args: string[] = []) {
    const token = uniqueToken()
    const run = await runCli(['--to', '+491701234567', '--text', `PIN 1 ${token}`, '--timeout', '2s', '--json', ...args], gatewayEnv(stack, { SMSKANNEL_GWURL: gateways.join(' ') }))
    return { run, delivered: await countDelivered(stack, token) }
  }

  it('first gateway down, second up: sent once via the second, exit 0', async () => {
    const { run, delivered } = await sendVia(['http://127.0.0.1:1', stack.gatewayUrl])
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ outcome: 'accepted', gateway: new URL(stack.gatewayUrl).host, tries: 2 })
    expect(delivered).toBe(1)
  })

  it('both down: exit 75, nothing sent', async () => {
    const { run, delivered } = await sendVia(['http://127.0.0.1:1', 'http://127.0.0.1:2'])
    expect(run.code).toBe(EXIT.gatewayUnavailable)
    expect(run.stderr).toMatch(/Connection refused by 127\.0\.0\.1:[12]: is smsbox running\? \(gave up after \d+ tries on 2 gateways\)/)
    expect(delivered).toBe(0)
  })

  it.each<{ mode: FaultMode; exit: number; delivered: number; message: RegExp }>([
    { mode: 'hang-after-forward', exit: EXIT.gatewayUnavailable, delivered: 1, message: /Timed out after 2s: no complete reply/ },
    { mode: 'headers-then-hang', exit: EXIT.gatewayUnavailable, delivered: 1, message: /Timed out after 2s: no complete reply/ },
    { mode: 'trickle', exit: EXIT.gatewayUnavailable, delivered: 1, message: /Timed out after 2s: no complete reply/ },
    { mode: 'reset-after-forward', exit: EXIT.gatewayUnavailable, delivered: 1, message: /closed before a complete reply/ },
    { mode: 'html-200', exit: EXIT.protocol, delivered: 0, message: /reply is not Kannel's \(HTTP 200: <html><body><h1>Welcome/ },
    { mode: 'status-500', exit: EXIT.gatewayUnavailable, delivered: 0, message: /The gateway failed \(HTTP 500/ },
    { mode: 'status-503', exit: EXIT.ok, delivered: 1, message: /^$/ },
  ])('a gateway that does $mode, with a good second gateway: exit $exit, sent $delivered time(s)', async ({ mode, exit, delivered, message }) => {
    const front = await startFaultFront(mode, kannelPort)
    fronts.push(front)
    const result = await sendVia([front.url, stack.gatewayUrl])
    expect(result.run.code).toBe(exit)
    expect(result.delivered).toBe(delivered)
    expect(result.run.stderr.replace(/^warning:.*\n/gm, '')).toMatch(message)
    if (exit === EXIT.gatewayUnavailable && delivered === 1) expect(result.run.stderr).toContain('may have been sent: not resent automatically')
  })

  it('--retry-unsafe does what it warns of: after a reset it resends, and the PIN arrives twice', async () => {
    const front = await startFaultFront('reset-after-forward', kannelPort)
    fronts.push(front)
    const { run, delivered } = await sendVia([front.url, stack.gatewayUrl], ['--retry-unsafe'])
    expect(run.code).toBe(0)
    expect(delivered).toBe(2)
  })

  it.each([
    { name: 'trusted with --ca', args: (ca: string) => ['--ca', ca], exit: 0, delivered: 1, stderr: /^$/ },
    { name: 'refused without it, at once (a setting to fix, not retried)', args: () => [], exit: EXIT.config, delivered: 0, stderr: /^error: The TLS certificate of 127\.0\.0\.1:\d+ failed verification: it is signed by a CA this machine does not know \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\); nothing was sent\.\nhint: Set smskannel\.ca/m },
    { name: 'accepted with --insecure, with a warning', args: () => ['--insecure'], exit: 0, delivered: 1, stderr: /^warning: smskannel\.insecure: the gateway's TLS certificate is NOT verified/ },
  ])('a TLS front with a private CA: $name', async ({ args, exit, delivered, stderr }) => {
    const front = await startTlsFront(kannelPort)
    fronts.push(front)
    const result = await sendVia([front.url], args(front.caFile))
    expect(result.run.code).toBe(exit)
    expect(result.delivered).toBe(delivered)
    expect(result.run.stderr).toMatch(stderr)
  })

  it.each([
    { name: '--proxy', args: (proxy: string) => ['--proxy', proxy], env: () => ({}) },
    { name: 'HTTP_PROXY', args: () => [], env: (proxy: string) => ({ HTTP_PROXY: proxy }) },
  ])('a real HTTP proxy (tinyproxy) carries the request, set by $name; the password stays out of its log', async ({ args, env }) => {
    const proxy = await startTinyproxy()
    fronts.push(proxy)
    const token = uniqueToken()
    const run = await runCli(['--to', '+491701234567', '--text', `via proxy ${token}`, '--timeout', '5s', ...args(proxy.url)], { ...gatewayEnv(stack), ...env(proxy.url) })
    expect(run.code, `${run.stderr}\n${proxy.log()}`).toBe(0)
    expect(await countDelivered(stack, token)).toBe(1)
    expect(proxy.log()).toMatch(new RegExp(`Request \\(file descriptor \\d+\\): POST http://127\\.0\\.0\\.1:${kannelPort}/cgi-bin/sendsms`))
    expect(proxy.log()).not.toContain(stack.password)
  })
  it('https through a proxy: CONNECT via tinyproxy, TLS to the gateway inside the tunnel, verified with --ca', async () => {
    const proxy = await startTinyproxy()
    const front = await startTlsFront(kannelPort)
    fronts.push(proxy, front)
    const token = uniqueToken()
    const port = new URL(front.url).port
    const run = await runCli(['--to', '+491701234567', '--text', `tunnel ${token}`, '--timeout', '5s', '--ca', front.caFile], { ...gatewayEnv(stack, { SMSKANNEL_GWURL: front.url }), HTTPS_PROXY: proxy.url })
    expect(run.code, `${run.stderr}\n${proxy.log()}`).toBe(0)
    expect(await countDelivered(stack, token)).toBe(1)
    expect(proxy.log()).toMatch(new RegExp(`Request \\(file descriptor \\d+\\): CONNECT 127\\.0\\.0\\.1:${port} HTTP/1\\.1`))
  })
}, [TINYPROXY, '/usr/bin/openssl'])
