import { describe, expect, it } from 'vitest'
import { buildDeliveryReport } from '../../src/core/report.js'
import { reportDocument } from '../../src/core/report-format.js'
import { renderReportHtml } from '../../src/core/report-html.js'

const T0 = Date.parse('2026-11-28T10:00:00Z')
const BOUNDARIES = [T0, T0 + 3_600_000, T0 + 7_200_000]
const HOSTILE = '"><script>alert(1)</script>&'

function page(events: Parameters<typeof buildDeliveryReport>[0]['events']): string {
  const report = buildDeliveryReport({ sends: [{ messageId: 'a', sentAtMs: T0 + 1000 }], events, boundaries: BOUNDARIES })
  return renderReportHtml(reportDocument(report, { timeZone: 'Europe/Berlin', by: 'hour' }), new Date(T0 + 7_200_000))
}

describe('renderReportHtml', () => {
  it('escapes what reports carry: SMSC ids and failure texts', () => {
    const html = page([{ eventId: 'e1', messageId: 'a', dlr: 16, atMs: T0 + 2000, smscId: HOSTILE, smscReply: `NACK/${HOSTILE}` }])
    expect(html).not.toContain('<script>')
    expect(html).toContain('<td>&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;&#38;</td>')
    expect(html).toContain('<td>NACK: &#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;&#38;</td>')
  })

  it('an empty span still draws its charts, and says there is nothing', () => {
    const report = buildDeliveryReport({ sends: [], events: [], boundaries: BOUNDARIES })
    const html = renderReportHtml(reportDocument(report, { timeZone: 'UTC', by: 'hour' }), new Date(T0))
    expect(html.match(/<svg id="chart-/g)).toHaveLength(3)
    expect(html).toContain('no PINs in this span')
    expect(html).toContain('no failures in this span')
  })

  it('labels the times with their zone, and needs nothing from outside', () => {
    const html = page([{ eventId: 'e1', messageId: 'a', dlr: 1, atMs: T0 + 3000, smscId: 'fake1', smscReply: null }])
    expect(html).toContain('times in Europe/Berlin (UTC+01:00)')
    expect(html).toContain('<th>interval (Europe/Berlin)</th>')
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">/)
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/)
  })
})
