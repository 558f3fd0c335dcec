import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer as createHttpServer } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, fixedClockArgs, runCli } from './helpers/run-cli.js'
import { makeReportStore, mixedPins, type FakePin } from './helpers/report-store.js'

const NOW = '2026-11-28T12:00:00.000Z'
const START = '2026-11-28T08:00:00Z'
const hour = (h: number, seconds = 0) => h * 3600 + seconds
const delivered = (id: string, sentAt: number, latency: number): FakePin => ({ messageId: id, sentAt, reports: [{ dlr: 8, at: sentAt + 1 }, { dlr: 1, at: sentAt + latency }] })

/** 08:00 four delivered; 09:00 nothing; 10:00 two delivered, one undelivered, one refused by Kannel; 11:00 one pending, one delivered twice. */
const PINS: FakePin[] = [
  delivered('m-0801', hour(0, 60), 2), delivered('m-0802', hour(0, 600), 3), delivered('m-0803', hour(0, 1200), 4), delivered('m-0804', hour(0, 1800), 5),
  delivered('m-1001', hour(2, 60), 6), delivered('m-1002', hour(2, 120), 8),
  { messageId: 'm-1003', sentAt: hour(2, 300), reports: [{ dlr: 8, at: hour(2, 301) }, { dlr: 2, at: hour(2, 340), reply: 'id:x sub:001 dlvrd:000 submit date:2611281005 done date:2611281005 stat:UNDELIV err:011 text:PIN' }] },
  { messageId: 'm-1004', sentAt: hour(2, 400), recorded: false, reports: [{ dlr: 16, at: hour(2, 400), reply: 'NACK/no SMSC', smsc: '' }] },
  { messageId: 'm-1101', sentAt: hour(3, 60), reports: [{ dlr: 8, at: hour(3, 61) }] },
  { messageId: 'm-1102', sentAt: hour(3, 120), reports: [{ dlr: 8, at: hour(3, 121) }, { dlr: 1, at: hour(3, 123) }, { dlr: 1, at: hour(3, 123) }, { dlr: 1, at: hour(3, 150) }] },
]

describe('report and check over a store', () => {
  let store: string
  const env = () => ({ SMSKANNEL_STORE: store })
  beforeAll(async () => {
    store = await makeReportStore(START, PINS)
  })

  it('--json: one document with every interval, the empty one too, and the failures by reason and SMSC', async () => {
    const run = await runCli(['report', '--since', '4h', '--json'], env(), { now: NOW })
    expect(run.code, run.stderr).toBe(0)
    const document = JSON.parse(run.stdout)
    expect(document).toMatchObject({ schema: 'sms-kannel/report@2', since: '2026-11-28T08:00:00.000Z', until: NOW, timeZone: 'UTC', by: 'hour' })
    const pick = ({ label, sent, accepted, delivered, failed, pending, deliveryRatePercent, latencyMs }: Record<string, unknown>) => ({ label, sent, accepted, delivered, failed, pending, deliveryRatePercent, latencyMs })
    expect(document.intervals.map(pick)).toEqual([
      { label: '2026-11-28 08:00', sent: 4, accepted: 4, delivered: 4, failed: 0, pending: 0, deliveryRatePercent: 100, latencyMs: { p50: 3000, p90: 5000, p99: 5000 } },
      { label: '2026-11-28 09:00', sent: 0, accepted: 0, delivered: 0, failed: 0, pending: 0, deliveryRatePercent: null, latencyMs: null },
      { label: '2026-11-28 10:00', sent: 4, accepted: 3, delivered: 2, failed: 2, pending: 0, deliveryRatePercent: 50, latencyMs: { p50: 6000, p90: 8000, p99: 8000 } },
      { label: '2026-11-28 11:00', sent: 2, accepted: 2, delivered: 1, failed: 0, pending: 1, deliveryRatePercent: 100, latencyMs: { p50: 3000, p90: 3000, p99: 3000 } },
    ])
    expect(document.total).toMatchObject({ sent: 10, delivered: 7, failed: 2, pending: 1, deliveryRatePercent: 77.78 })
    expect(document.failuresByReason).toEqual([{ reason: 'NACK: no SMSC', count: 1 }, { reason: 'stat UNDELIV, err 011', count: 1 }])
    expect(document.bySmsc.map(({ smsc, sent, failed }: Record<string, unknown>) => ({ smsc, sent, failed }))).toEqual([{ smsc: 'fake1', sent: 9, failed: 1 }, { smsc: null, sent: 1, failed: 1 }])
    expect(run.stderr).toBe('')
  })

  it('the table: one row per interval with a bar, the total, then failures by reason and by SMSC', async () => {
    const run = await runCli(['report', '--since', '2026-11-28 08:00', '--until', '2026-11-28 12:00'], env(), { now: NOW })
    expect(run.code, run.stderr).toBe(0)
    const lines = run.stdout.split('\n')
    expect(lines[0]).toBe('PIN delivery 2026-11-28 08:00 to 2026-11-28 12:00, by hour, times in UTC (UTC+00:00)')
    expect(lines.find((line) => line.startsWith('2026-11-28 08:00'))).toMatch(/^2026-11-28 08:00\s+4\s+4\s+4\s+0\s+0\s+0\s+100\.0%\s+3\.0s\s+5\.0s\s+5\.0s\s+█{24}$/)
    expect(lines.find((line) => line.startsWith('2026-11-28 09:00'))).toMatch(/^2026-11-28 09:00\s+0\s+0\s+0\s+0\s+0\s+0\s+-\s+-\s+-\s+-$/)
    expect(lines.find((line) => line.startsWith('2026-11-28 10:00'))).toMatch(/\s50\.0%\s.*█+×+$/)
    expect(lines.find((line) => line.startsWith('2026-11-28 11:00'))).toMatch(/█+·+$/)
    expect(lines.find((line) => line.startsWith('total'))).toMatch(/^total\s+10\s+9\s+7\s+2\s+1\s+0\s+77\.8%/)
    expect(run.stdout).toContain('Failures by reason:\n       1  NACK: no SMSC\n       1  stat UNDELIV, err 011\n')
    expect(run.stdout).toMatch(/By SMSC:\n  smsc\s+sent.*\n  fake1\s+9\s+7\s+1\s+1\s+0\s+87\.5%\n  \(no SMSC\)\s+1\s+0\s+1\s+0\s+0\s+0\.0%/)
  })

  it('labels intervals in the zone asked for (--tz), and by day for a long span', async () => {
    const run = await runCli(['report', '--since', '7d', '--tz', 'Europe/Berlin', '--json'], env(), { now: NOW })
    const document = JSON.parse(run.stdout)
    expect(document).toMatchObject({ by: 'day', timeZone: 'Europe/Berlin', zoneLabel: 'Europe/Berlin (UTC+01:00)' })
    expect(document.intervals.at(-1)).toMatchObject({ label: '2026-11-28', start: '2026-11-27T23:00:00.000Z', sent: 10 })
  })

  it('report | head: the reader leaving early is no error', async () => {
    const child = spawn(process.execPath, [...fixedClockArgs(NOW), BIN, 'report', '--since', '7d', '--by', 'hour'], { env: { PATH: process.env['PATH'] ?? '', TZ: 'UTC', ...env() }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    // Like head: read the first chunk, then close the pipe.
    const first = await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8'))))
    child.stdout.destroy()
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(first).toMatch(/^PIN delivery /)
    expect(stderr).toBe('')
    expect(code).toBe(0)
  })

  it('--csv: a header and one row per interval', async () => {
    const run = await runCli(['report', '--since', '4h', '--csv'], env(), { now: NOW })
    expect(run.stdout.split('\n')).toEqual([
      'start,end,interval (UTC),sent,accepted,delivered,failed,pending,not_sent,delivery_rate_percent,latency_p50_ms,latency_p90_ms,latency_p99_ms',
      '2026-11-28T08:00:00.000Z,2026-11-28T09:00:00.000Z,2026-11-28 08:00,4,4,4,0,0,0,100,3000,5000,5000',
      '2026-11-28T09:00:00.000Z,2026-11-28T10:00:00.000Z,2026-11-28 09:00,0,0,0,0,0,0,,,,',
      '2026-11-28T10:00:00.000Z,2026-11-28T11:00:00.000Z,2026-11-28 10:00,4,3,2,2,0,0,50,6000,8000,8000',
      '2026-11-28T11:00:00.000Z,2026-11-28T12:00:00.000Z,2026-11-28 11:00,2,2,1,0,1,0,100,3000,3000,3000',
      '',
    ])
  })

  it('--html FILE: one self-contained page, no script, no network, charts as SVG, zone named', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sms-kannel-html-')), 'report.html')
    const run = await runCli(['report', '--since', '4h', '--html', file], env(), { now: NOW })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toBe('')
    const html = readFileSync(file, 'utf8')
    expect(html).toContain("content=\"default-src 'none'; style-src 'unsafe-inline'\"")
    expect(html).not.toMatch(/<script|<link|@import|url\(|src=/i)
    expect(html.match(/<svg id="chart-(delivery|latency|failures)"/g)).toHaveLength(3)
    expect(html).toContain('times in UTC (UTC+00:00)')
    expect(html).toContain('<td>NACK: no SMSC</td><td>1</td>')
  })

  it.each([
    { name: 'a bad --since', args: ['--since', 'yesterday'], message: /--since "yesterday" is not a time/ },
    { name: '--since after --until', args: ['--since', '1h', '--until', '2h'], message: /--since must be before --until/ },
    { name: 'an unknown zone', args: ['--tz', 'Mars/Olympus'], message: /is not a time zone/ },
    { name: 'too many intervals', args: ['--since', '2020-01-01', '--by', 'hour'], message: /more than 2000 intervals/ },
  ])('$name is a usage error (64)', async ({ args, message }) => {
    const run = await runCli(['report', ...args], env(), { now: NOW })
    expect(run.code).toBe(64)
    expect(run.stderr).toMatch(message)
    expect(run.stdout).toBe('')
  })

  it('a store that does not exist is exit 74, and no store is created', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'sms-kannel-nostore-')), 'events.db')
    const run = await runCli(['report', '--store', missing], {}, { now: NOW })
    expect(run.code).toBe(74)
    expect(existsSync(missing)).toBe(false)
  })

  it.each([
    { name: 'all within the thresholds', args: ['--window', '4h', '--warn-rate', '70', '--crit-rate', '50'], state: 0, line: /^SMS-KANNEL OK - 10 PINs in the last 4h: 7 delivered \(77\.8%\), 2 failed, 1 pending, p90 8\.0s \| sent=10;;;0 delivered=7;;;0 failed=2;;;0 pending=1;;;0 not_sent=0;0;2;0 rate=77\.78%;70:;50:;0;100 latency_p90=8s;;;0$/ },
    { name: 'the rate below --warn-rate', args: ['--window', '4h', '--warn-rate', '95', '--crit-rate', '70'], state: 1, line: /^SMS-KANNEL WARNING - delivery rate 77\.8% < 95%; 10 PINs/ },
    { name: 'the rate below --crit-rate', args: ['--window', '4h', '--warn-rate', '95', '--crit-rate', '80'], state: 2, line: /^SMS-KANNEL CRITICAL - delivery rate 77\.8% < 80%; 10 PINs.* rate=77\.78%;95:;80:;0;100/ },
    { name: 'p90 latency above --warn-latency', args: ['--window', '4h', '--warn-latency', '5s'], state: 1, line: /^SMS-KANNEL WARNING - p90 latency 8\.0s > 5\.0s;.*latency_p90=8s;5;;0$/ },
    { name: 'more pending than --max-pending', args: ['--window', '1h', '--max-pending', '0', '--warn-rate', '95'], state: 2, line: /^SMS-KANNEL CRITICAL - 1 PIN pending > 0; 2 PINs in the last 1h: 1 delivered \(100\.0%\), 0 failed, 1 pending, p90 3\.0s \| .*pending=1;;0;0/ },
    { name: 'an empty window', args: ['--window', '15m', '--warn-rate', '95', '--crit-rate', '80', '--max-pending', '0'], state: 0, line: /^SMS-KANNEL OK - no PINs sent in the last 15m \| sent=0;;;0 delivered=0;;;0 failed=0;;;0 pending=0;;0;0 not_sent=0;0;2;0$/ },
  ])('check: $name gives $state', async ({ args, state, line }) => {
    const run = await runCli(['check', ...args], env(), { now: NOW })
    expect(run.code, run.stderr).toBe(state)
    expect(run.stdout.split('\n')).toHaveLength(2)
    expect(run.stdout.trimEnd()).toMatch(line)
  })

  it('check --json: one document on stdout, also when it cannot check', async () => {
    const ok = await runCli(['check', '--window', '4h', '--json'], env(), { now: NOW })
    expect(ok.code).toBe(0)
    expect(JSON.parse(ok.stdout)).toMatchObject({ state: 0, line: expect.stringMatching(/^SMS-KANNEL OK - 10 PINs/) })
    const unknown = await runCli(['check', '--window', 'forever', '--json'], env(), { now: NOW })
    expect(unknown.code).toBe(3)
    expect(JSON.parse(unknown.stdout)).toMatchObject({ outcome: 'error', error: 'UsageError' })
  })

  it.each([
    { name: 'no store configured', args: [], withStore: false, line: /^SMS-KANNEL UNKNOWN - check needs the event store/ },
    { name: 'a store that does not exist', args: ['--store', '/nonexistent/events.db'], withStore: false, line: /^SMS-KANNEL UNKNOWN - The event store \/nonexistent\/events\.db does not exist\.$/ },
    { name: 'an unknown flag', args: ['--warn-rat', '95'], withStore: true, line: /^SMS-KANNEL UNKNOWN - unknown option '--warn-rat'/ },
    { name: 'contradicting thresholds', args: ['--warn-rate', '80', '--crit-rate', '95'], withStore: true, line: /^SMS-KANNEL UNKNOWN - --crit-rate must not be above --warn-rate/ },
    { name: 'a bad window', args: ['--window', 'forever'], withStore: true, line: /^SMS-KANNEL UNKNOWN - --window "forever" is not a span/ },
    { name: 'a store that is not one', args: ['--store', '/etc/passwd'], withStore: true, line: /^SMS-KANNEL UNKNOWN - The event store \/etc\/passwd cannot be used/ },
  ])('check: $name is UNKNOWN (3), one line on stdout', async ({ args, withStore, line }) => {
    const run = await runCli(['check', ...args], withStore ? env() : {}, { now: NOW })
    expect(run.code).toBe(3)
    expect(run.stdout.split('\n')).toHaveLength(2)
    expect(run.stdout.trimEnd()).toMatch(line)
  })
})

describe('sends that failed (nothing went out)', () => {
  // 11:50 and 11:55 two logins whose send failed (gateway down, gateway refused); 11:56 one
  // recorded as failed whose report came anyway (it went out after all); 11:58 one delivered.
  const FAILED: FakePin[] = [
    { messageId: 'f-1150', sentAt: hour(3, 3000), outcome: 'failed (exit 75)', reports: [] },
    { messageId: 'f-1155', sentAt: hour(3, 3300), outcome: 'failed (exit 69)', reports: [] },
    { messageId: 'f-1156', sentAt: hour(3, 3360), outcome: 'failed (exit 75)', reports: [{ dlr: 8, at: hour(3, 3361) }, { dlr: 1, at: hour(3, 3363) }] },
    delivered('f-1158', hour(3, 3480), 2),
  ]
  let store: string
  const env = () => ({ SMSKANNEL_STORE: store })
  beforeAll(async () => {
    store = await makeReportStore(START, FAILED)
  })

  it('report: not sent, neither sent nor pending, in the JSON, the table, the CSV and the page', async () => {
    const json = JSON.parse((await runCli(['report', '--since', '1h', '--by', 'hour', '--json'], env(), { now: NOW })).stdout)
    expect(json.total).toMatchObject({ sent: 2, delivered: 2, failed: 0, pending: 0, notSent: 2, deliveryRatePercent: 100 })
    expect(json.intervals.at(-1)).toMatchObject({ label: '2026-11-28 11:00', sent: 2, pending: 0, notSent: 2 })
    expect(json.failuresByReason).toEqual([])
    const table = (await runCli(['report', '--since', '1h', '--by', 'hour'], env(), { now: NOW })).stdout.split('\n')
    expect(table[2]).toMatch(/^interval\s+sent\s+accepted\s+delivered\s+failed\s+pending\s+not sent\s+rate/)
    expect(table.find((line) => line.startsWith('total'))).toMatch(/^total\s+2\s+2\s+2\s+0\s+0\s+2\s+100\.0%/)
    expect(table.find((line) => line.startsWith('2026-11-28 11:00'))).toMatch(/\s█{12}!{12}$/)
    const csv = (await runCli(['report', '--since', '1h', '--by', 'hour', '--csv'], env(), { now: NOW })).stdout.split('\n')
    expect(csv[0]).toContain(',failed,pending,not_sent,delivery_rate_percent,')
    expect(csv[1]).toBe('2026-11-28T11:00:00.000Z,2026-11-28T12:00:00.000Z,2026-11-28 11:00,2,2,2,0,0,2,100,2000,3000,3000')
    const file = join(mkdtempSync(join(tmpdir(), 'sms-kannel-html-')), 'report.html')
    await runCli(['report', '--since', '1h', '--by', 'hour', '--html', file], env(), { now: NOW })
    const html = readFileSync(file, 'utf8')
    expect(html).toContain('<div class="tile bad"><b>2</b>not sent</div>')
    expect(html).toContain('<title>2026-11-28 11:00: 2 not sent</title>')
  })

  it('check: failed sends warn by default, and are critical above --crit-not-sent', async () => {
    const warned = await runCli(['check', '--window', '15m', '--warn-rate', '95', '--crit-rate', '80', '--warn-latency', '30s'], env(), { now: NOW })
    expect(warned.code).toBe(1)
    expect(warned.stdout.trimEnd()).toMatch(/^SMS-KANNEL WARNING - 2 PINs not sent \(send failed\) > 0; 2 PINs in the last 15m: 2 delivered \(100\.0%\), 0 failed, 0 pending, p90 3\.0s; 2 not sent \| .* not_sent=2;0;2;0 /)
    const critical = await runCli(['check', '--window', '15m', '--crit-not-sent', '1'], env(), { now: NOW })
    expect(critical.code).toBe(2)
    expect(critical.stdout).toMatch(/^SMS-KANNEL CRITICAL - 2 PINs not sent \(send failed\) > 1;/)
    const tolerant = await runCli(['check', '--window', '15m', '--warn-not-sent', '2'], env(), { now: NOW })
    expect(tolerant.code, tolerant.stdout).toBe(0)
    expect(tolerant.stdout).toContain('not_sent=2;2;2;0')
    const contradicting = await runCli(['check', '--warn-not-sent', '3', '--crit-not-sent', '1'], env(), { now: NOW })
    expect(contradicting.stdout).toMatch(/^SMS-KANNEL UNKNOWN - --crit-not-sent must not be below --warn-not-sent/)
  })

  it('status: a failed send is "NOT sent", not waiting for a report; one with reports is what they say', async () => {
    const notSent = await runCli(['status', 'f-1150', '--json'], env(), { now: NOW })
    expect(JSON.parse(notSent.stdout).timelines[0]).toMatchObject({ result: 'not-sent', steps: [{ what: 'not-sent', detail: expect.stringMatching(/^failed \(exit 75\)/) }] })
    const text = await runCli(['status', 'f-1155'], env(), { now: NOW })
    expect(text.stdout).toMatch(/^sequence 1155, message f-1155, to \+4917\*+567: NOT sent \(the send failed; nothing went out\)/)
    expect(text.stdout).toMatch(/\n  2026-11-28 11:55:00 \+00:00  not-sent\s+failed \(exit 69\)/)
    const wentOut = await runCli(['status', 'f-1156', '--json'], env(), { now: NOW })
    expect(JSON.parse(wentOut.stdout).timelines[0]).toMatchObject({ result: 'delivered' })
  })
})

describe('send, then report, check and status: what send records when the gateway fails', () => {
  let hanging: Server
  const sockets: Socket[] = []
  afterAll(() => {
    for (const socket of sockets) socket.destroy()
    hanging?.close()
  })
  const portOf = (server: Server) => (server.address() as { port: number }).port
  const listening = (server: Server) => new Promise<Server>((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))

  it('a gateway down is "not sent"; one that took the request and never answered may have sent it: pending', async () => {
    const closed = await listening(createServer())
    const closedPort = portOf(closed)
    await new Promise((resolve) => closed.close(resolve))
    hanging = await listening(createServer((socket) => sockets.push(socket)))
    const store = join(mkdtempSync(join(tmpdir(), 'sms-kannel-failed-')), 'events.db')
    const env = { SMSKANNEL_USER: 'vlx', SMSKANNEL_PASSWORD: 'pw-1', SMSKANNEL_STORE: store }
    const send = (port: number, sequence: string) => runCli(['send', '--to', '+491701234567', '--text', `PIN ${sequence}`, '--gwurl', `http://127.0.0.1:${port}`, '--timeout', '1s'], { ...env, VLXPIN_SEQUENCE: sequence })
    const [down, silent] = [await send(closedPort, '71'), await send(portOf(hanging), '72')]
    expect([down.code, silent.code], down.stderr + silent.stderr).toEqual([75, 75])

    const report = JSON.parse((await runCli(['report', '--since', '10m', '--json'], env)).stdout)
    expect(report.total).toMatchObject({ sent: 1, pending: 1, notSent: 1 })
    expect((await runCli(['check', '--window', '15m'], env)).stdout).toMatch(/^SMS-KANNEL WARNING - 1 PIN not sent \(send failed\) > 0; 1 PIN in the last 15m: 0 delivered \(-\), 0 failed, 1 pending; 1 not sent \|/)
    const [notSent, unsure] = [JSON.parse((await runCli(['status', '71', '--json'], env)).stdout), JSON.parse((await runCli(['status', '72', '--json'], env)).stdout)]
    expect(notSent.timelines[0]).toMatchObject({ result: 'not-sent', steps: [{ what: 'not-sent', detail: expect.stringMatching(/^failed \(exit 75\) by Kannel at 127\.0\.0\.1:/) }] })
    expect(unsure.timelines[0]).toMatchObject({ result: 'pending', steps: [{ what: 'sent', detail: expect.stringMatching(/^failed \(exit 75, may have been sent\) by Kannel/) }] })
  }, 30_000)

  it('a 200 page that is not Kannel\'s (exit 76) may have passed the request on: pending, not "not sent"; Kannel\'s refusal (exit 69) is not sent', async () => {
    const pages = await listening(
      createHttpServer((request, response) => {
        request.resume()
        if (request.url?.startsWith('/html')) response.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome</body></html>')
        else response.writeHead(403, { server: 'Kannel/1.4.5' }).end('Not routable. Do not try again.')
      }) as unknown as Server,
    )
    const store = join(mkdtempSync(join(tmpdir(), 'sms-kannel-failed-')), 'events.db')
    const env = { SMSKANNEL_USER: 'vlx', SMSKANNEL_PASSWORD: 'pw-1', SMSKANNEL_STORE: store }
    const send = (path: string, sequence: string) => runCli(['send', '--to', '+491701234567', '--text', `PIN ${sequence}`, '--gwurl', `http://127.0.0.1:${portOf(pages)}`, '--postquery', path, '--timeout', '1s'], { ...env, VLXPIN_SEQUENCE: sequence })
    const [page, refused] = [await send('/html', '81'), await send('/refuse', '82')]
    expect([page.code, refused.code], page.stderr + refused.stderr).toEqual([76, 69])
    const [unsure, notSent] = [JSON.parse((await runCli(['status', '81', '--json'], env)).stdout), JSON.parse((await runCli(['status', '82', '--json'], env)).stdout)]
    expect(unsure.timelines[0]).toMatchObject({ result: 'pending', steps: [{ what: 'sent', detail: expect.stringMatching(/^failed \(exit 76, may have been sent\)/) }] })
    expect(notSent.timelines[0]).toMatchObject({ result: 'not-sent' })
    await new Promise((resolve) => pages.close(resolve))
  }, 30_000)
})

describe('a span across the autumn clock change (Europe/Berlin, 25 October 2026)', () => {
  // 02:30 local twice: 00:30Z (+02:00) delivered, 01:30Z (+01:00) refused by the SMSC.
  const DST_START = '2026-10-25T00:00:00Z'
  const DST_NOW = '2026-10-26T12:00:00.000Z'
  let store: string
  beforeAll(async () => {
    store = await makeReportStore(DST_START, [delivered('d-0030', 1800, 2), { messageId: 'd-0130', sentAt: 5400, reports: [{ dlr: 16, at: 5401, reply: 'NACK/11/Invalid Destination Address' }] }])
  })
  const env = () => ({ SMSKANNEL_STORE: store, TZ: 'Europe/Berlin' })

  it('the repeated hour is labelled with its offset, and the header names both offsets', async () => {
    const run = await runCli(['report', '--since', '2026-10-25 00:00', '--until', '2026-10-25 05:00', '--by', 'hour'], env(), { now: DST_NOW })
    expect(run.code, run.stderr).toBe(0)
    const lines = run.stdout.split('\n')
    expect(lines[0]).toBe('PIN delivery 2026-10-25 00:00 +02:00 to 2026-10-25 05:00 +01:00, by hour, times in Europe/Berlin (UTC+02:00/+01:00)')
    expect(lines.find((line) => line.startsWith('2026-10-25 02:00 +02:00'))).toMatch(/^2026-10-25 02:00 \+02:00\s+1\s+1\s+1\s+0\s+0\s+0\s+100\.0%/)
    expect(lines.find((line) => line.startsWith('2026-10-25 02:00 +01:00'))).toMatch(/^2026-10-25 02:00 \+01:00\s+1\s+0\s+0\s+1\s+0\s+0\s+0\.0%/)
    expect(lines.filter((line) => line.startsWith('2026-10-25 03:00 '))).toHaveLength(1)
    const quiet = await runCli(['report', '--since', '2026-10-26 00:00', '--until', '2026-10-26 05:00', '--by', 'hour'], env(), { now: DST_NOW })
    expect(quiet.stdout.split('\n')[0]).toBe('PIN delivery 2026-10-26 00:00 to 2026-10-26 05:00, by hour, times in Europe/Berlin (UTC+01:00)')
    const file = join(mkdtempSync(join(tmpdir(), 'sms-kannel-html-')), 'report.html')
    await runCli(['report', '--since', '2026-10-25 00:00', '--until', '2026-10-25 05:00', '--by', 'hour', '--html', file], env(), { now: DST_NOW })
    const html = readFileSync(file, 'utf8')
    expect(html).toContain('times in Europe/Berlin (UTC+02:00/+01:00)')
    expect(html).toContain('<td>2026-10-25 02:00 +02:00</td>')
    expect(html).toContain('<td>2026-10-25 02:00 +01:00</td>')
  })

  it('an ambiguous local --since is its first occurrence: the 02:00 summer-time hour is in the report', async () => {
    const run = await runCli(['report', '--since', '2026-10-25 02:00', '--until', '2026-10-25 04:00', '--by', 'hour', '--csv'], env(), { now: DST_NOW })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout.split('\n')[1]).toMatch(/^2026-10-25T00:00:00\.000Z,2026-10-25T01:00:00\.000Z,2026-10-25 02:00 \+02:00,1,1,1,0,0,0,100,/)
  })
})

describe('report on two threads', () => {
  // Legacy message ids (not UUID v7) fall in the upper half, with the v7 ids after the split.
  it('folds the same figures as one thread: no PIN lost or counted twice at the split', async () => {
    const store = await makeReportStore(START, mixedPins(START, 600))
    const args = ['report', '--since', '6h', '--json', '--store', store]
    const one = await runCli([...args, '--threads', '1'], {}, { now: NOW })
    // A second thread that fails says so on stderr (and this one folds its half): none here.
    const two = await runCli([...args, '--threads', '2'], {}, { now: NOW })
    expect(one.code, one.stderr).toBe(0)
    expect(JSON.parse(one.stdout).total.sent).toBeGreaterThan(300)
    expect(two).toMatchObject({ code: 0, stdout: one.stdout, stderr: '' })
  })

  it('refuses a thread count other than 1, 2 or auto', async () => {
    const run = await runCli(['report', '--threads', '3', '--store', '/nonexistent.db'])
    expect(run.code).toBe(64)
    expect(run.stderr).toMatch(/--threads.*expected 1, 2 or auto/)
  })
})
