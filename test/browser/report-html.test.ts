import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeWithBrowser, launchChromium, testOutputPath } from '../helpers/browser.js'
import { makeReportStore, type FakePin } from '../helpers/report-store.js'
import { runCli } from '../helpers/run-cli.js'

const NOW = '2026-11-28T12:00:00.000Z'
const START = '2026-11-27T12:00:00Z'
const HOSTILE_REASON = 'NACK/66/<img src=x onerror=alert(1)><script>alert(2)</script>'

/** A working day of logins: busier by day, a quiet hour at night, failures now and then. */
function aDayOfPins(): FakePin[] {
  let seed = 7
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647
  const pins: FakePin[] = []
  for (let hourIndex = 0; hourIndex < 24; hourIndex++) {
    const localHour = (12 + hourIndex) % 24
    if (localHour === 3) continue
    const count = localHour >= 7 && localHour <= 18 ? 8 + Math.floor(random() * 10) : 1 + Math.floor(random() * 3)
    for (let index = 0; index < count; index++) {
      const sentAt = hourIndex * 3600 + Math.floor(random() * 3500)
      const id = `pin-${hourIndex}-${index}`
      const roll = random()
      const latency = 1 + Math.floor(random() * random() * (localHour === 9 ? 90 : 12))
      if (roll < 0.05) pins.push({ messageId: id, sentAt, recorded: false, reports: [{ dlr: 16, at: sentAt, reply: 'NACK/no SMSC', smsc: '' }] })
      else if (roll < 0.09) pins.push({ messageId: id, sentAt, reports: [{ dlr: 8, at: sentAt + 1 }, { dlr: 2, at: sentAt + latency, reply: 'id:x sub:001 dlvrd:000 submit date:2611281005 done date:2611281005 stat:UNDELIV err:011 text:PIN' }] })
      else if (roll < 0.1) pins.push({ messageId: id, sentAt, reports: [{ dlr: 16, at: sentAt + 1, reply: HOSTILE_REASON }] })
      else if (roll < 0.12 && hourIndex > 20) pins.push({ messageId: id, sentAt, reports: [{ dlr: 8, at: sentAt + 1 }] })
      else pins.push({ messageId: id, sentAt, reports: [{ dlr: 8, at: sentAt + 1 }, { dlr: 1, at: sentAt + latency }] })
    }
  }
  return pins
}

describeWithBrowser('the HTML report in a real headless Chromium', () => {
  let file: string
  let browser: Awaited<ReturnType<typeof launchChromium>>
  beforeAll(async () => {
    const store = await makeReportStore(START, [...aDayOfPins(), { messageId: 'pin-hostile', sentAt: 100, reports: [{ dlr: 16, at: 101, reply: HOSTILE_REASON }] }])
    file = join(mkdtempSync(join(tmpdir(), 'sms-kannel-html-')), 'report.html')
    const run = await runCli(['report', '--since', '24h', '--tz', 'Europe/Berlin', '--html', file], { SMSKANNEL_STORE: store }, { now: NOW })
    expect(run.code, run.stderr).toBe(0)
    browser = await launchChromium({ javaScriptEnabled: false })
  })
  afterAll(async () => {
    await browser?.close()
  })

  it('renders with JavaScript off: no console errors, no requests but the file, the charts drawn at their size', async () => {
    const page = await browser.context.newPage()
    const problems: string[] = []
    const requests: string[] = []
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`)
    })
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
    page.on('dialog', (dialog) => problems.push(`dialog: ${dialog.message()}`))
    page.on('request', (request) => requests.push(request.url()))
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' })

    const charts = await page.$$eval('svg.chart', (svgs) =>
      svgs.map((svg) => {
        const box = svg.getBoundingClientRect()
        const drawn = [...svg.querySelectorAll('rect, path, circle')].filter((shape) => {
          const size = (shape as unknown as { getBBox(): { width: number; height: number } }).getBBox()
          return size.width > 0 || size.height > 0
        })
        return { id: svg.id, width: Math.round(box.width), height: Math.round(box.height), drawn: drawn.length }
      }),
    )
    expect(charts.map(({ id, width }) => ({ id, width }))).toEqual([
      { id: 'chart-delivery', width: 760 },
      { id: 'chart-latency', width: 760 },
      { id: 'chart-failures', width: 760 },
    ])
    expect(charts[0]!.height).toBe(240)
    expect(charts[1]!.height).toBe(240)
    // Bars for 23 busy hours (several parts each), a rate line and its dots; three latency lines and their dots.
    expect(charts[0]!.drawn).toBeGreaterThan(40)
    expect(charts[1]!.drawn).toBeGreaterThan(60)

    const title = await page.textContent('p.sub')
    expect(title).toContain('times in Europe/Berlin (UTC+01:00)')
    const reasons = await page.$$eval('#reasons td:first-child', (cells) => cells.map((cell) => cell.textContent))
    expect(reasons).toContain('NACK 66: <img src=x onerror=alert(1)><script>alert(2)</script>')
    expect(charts[2]!.drawn).toBe(reasons.length)
    expect(reasons.length).toBe(3)
    expect(await page.$$eval('#intervals tbody tr', (rows) => rows.length)).toBe(25)

    await page.screenshot({ path: testOutputPath('report-html.png'), fullPage: true })
    expect(problems).toEqual([])
    expect(requests).toEqual([pathToFileURL(file).href])
    await page.close()
  })

  it('prints: the charts keep their place and size on paper', async () => {
    const page = await browser.context.newPage()
    await page.goto(pathToFileURL(file).href)
    await page.emulateMedia({ media: 'print' })
    const widths = await page.$$eval('svg.chart', (svgs) => svgs.map((svg) => Math.round(svg.getBoundingClientRect().width)))
    expect(widths).toEqual([760, 760, 760])
    const pdf = await page.pdf({ format: 'A4', printBackground: true })
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-')
    expect(pdf.length).toBeGreaterThan(10_000)
    await page.close()
  })
})
