import { formatLatency, formatRate, logins, smscLabel, spanEnds, type FiguresDocument, type ReportDocument } from './report-format.js'
import { formatLocal } from './report-time.js'

/**
 * `report --html`: one self-contained page. The charts are SVG drawn here, not a chart
 * library: the page needs no script at all, so it reads with JavaScript off, prints, and
 * its Content-Security-Policy can forbid every network request.
 */

export const CHART_WIDTH = 760
export const CHART_HEIGHT = 240
const MARGIN = { top: 16, right: 56, bottom: 44, left: 56 }
const PLOT_WIDTH = CHART_WIDTH - MARGIN.left - MARGIN.right
const PLOT_HEIGHT = CHART_HEIGHT - MARGIN.top - MARGIN.bottom

const COLOURS = {
  delivered: '#2e7d32',
  failed: '#c62828',
  pending: '#9e9e9e',
  notSent: '#37474f',
  rate: '#1b5e20',
  p50: '#1565c0',
  p90: '#ef6c00',
  p99: '#6a1b9a',
  grid: '#e0e0e0',
  axis: '#616161',
} as const

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`)
}

const number = (value: number) => (Math.round(value * 10) / 10).toString()

/** 1, 2 or 5 times a power of ten: at least `max`, in about four steps. */
function niceScale(max: number): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 1 }
  const rough = max / 4
  const power = 10 ** Math.floor(Math.log10(rough))
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough)!
  return { top: Math.ceil(max / step) * step, step }
}

interface Axes {
  x: (index: number) => number
  band: number
  y: (value: number) => number
}

function axes(count: number, top: number): Axes {
  const band = PLOT_WIDTH / Math.max(1, count)
  return {
    band,
    x: (index) => MARGIN.left + (index + 0.5) * band,
    y: (value) => MARGIN.top + PLOT_HEIGHT - (value / top) * PLOT_HEIGHT,
  }
}

/** Grid lines and tick labels on the left (or right) axis. */
function yAxis(scale: { top: number; step: number }, format: (value: number) => string, side: 'left' | 'right' = 'left'): string {
  const parts: string[] = []
  const y = axes(1, scale.top).y
  for (let value = 0; value <= scale.top + scale.step / 1000; value += scale.step) {
    const at = number(y(value))
    if (side === 'left') parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_WIDTH}" y1="${at}" y2="${at}" stroke="${COLOURS.grid}"/>`)
    const x = side === 'left' ? MARGIN.left - 6 : MARGIN.left + PLOT_WIDTH + 6
    parts.push(`<text x="${x}" y="${at}" dy="0.32em" text-anchor="${side === 'left' ? 'end' : 'start'}" class="tick">${escapeHtml(format(value))}</text>`)
  }
  return parts.join('')
}

/** Interval labels under the plot, thinned out so they never overlap. */
function xAxis(document: ReportDocument, chart: Axes): string {
  const count = document.intervals.length
  const every = Math.max(1, Math.ceil(count / Math.floor(PLOT_WIDTH / 90)))
  const parts = [`<line x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_WIDTH}" y1="${MARGIN.top + PLOT_HEIGHT}" y2="${MARGIN.top + PLOT_HEIGHT}" stroke="${COLOURS.axis}"/>`]
  document.intervals.forEach((interval, index) => {
    if (index % every !== 0) return
    const label = document.by === 'minute' ? interval.label.slice(11) : document.by === 'hour' ? interval.label.slice(5) : interval.label
    parts.push(`<text x="${number(chart.x(index))}" y="${MARGIN.top + PLOT_HEIGHT + 16}" text-anchor="middle" class="tick">${escapeHtml(label)}</text>`)
  })
  parts.push(`<text x="${MARGIN.left + PLOT_WIDTH / 2}" y="${CHART_HEIGHT - 6}" text-anchor="middle" class="axis-title">${escapeHtml(document.zoneLabel)}</text>`)
  return parts.join('')
}

/** A line through the values, broken where an interval has none. */
function linePath(values: ReadonlyArray<number | null>, chart: Axes): string {
  let path = ''
  let drawing = false
  values.forEach((value, index) => {
    if (value === null) {
      drawing = false
      return
    }
    path += `${drawing ? 'L' : 'M'}${number(chart.x(index))},${number(chart.y(value))}`
    drawing = true
  })
  return path
}

function dots(values: ReadonlyArray<number | null>, chart: Axes, colour: string, describe: (index: number) => string): string {
  return values
    .map((value, index) => (value === null ? '' : `<circle cx="${number(chart.x(index))}" cy="${number(chart.y(value))}" r="2.5" fill="${colour}"><title>${escapeHtml(describe(index))}</title></circle>`))
    .join('')
}

function legend(entries: Array<[string, string]>): string {
  let x = MARGIN.left
  return entries
    .map(([label, colour]) => {
      const item = `<rect x="${x}" y="2" width="10" height="10" fill="${colour}"/><text x="${x + 14}" y="11" class="legend">${escapeHtml(label)}</text>`
      x += 24 + label.length * 7
      return item
    })
    .join('')
}

function svg(id: string, title: string, body: string): string {
  return `<svg id="${id}" class="chart" role="img" aria-labelledby="${id}-title" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" xmlns="http://www.w3.org/2000/svg"><title id="${id}-title">${escapeHtml(title)}</title>${body}</svg>`
}

function noDataNote(document: ReportDocument): string {
  return logins(document.total) === 0 ? `<text x="${MARGIN.left + PLOT_WIDTH / 2}" y="${MARGIN.top + PLOT_HEIGHT / 2}" text-anchor="middle" class="empty">no PINs in this span</text>` : ''
}

/** PINs per interval as stacked bars, with the delivery rate as a line on the right axis. */
function deliveryChart(document: ReportDocument): string {
  const scale = niceScale(Math.max(0, ...document.intervals.map(logins)))
  const bars = axes(document.intervals.length, scale.top)
  const rateAxis = axes(document.intervals.length, 100)
  const width = number(Math.max(1, bars.band * 0.7))
  const stacks = document.intervals
    .map((interval, index) => {
      let base = 0
      const left = number(bars.x(index) - (bars.band * 0.7) / 2)
      return (['delivered', 'failed', 'pending', 'notSent'] as const)
        .map((part) => {
          const count = interval[part]
          if (count === 0) return ''
          const name = part === 'notSent' ? 'not sent' : part
          const top = bars.y(base + count)
          const height = bars.y(base) - top
          base += count
          return `<rect x="${left}" y="${number(top)}" width="${width}" height="${number(height)}" fill="${COLOURS[part]}"><title>${escapeHtml(`${interval.label}: ${count} ${name}`)}</title></rect>`
        })
        .join('')
    })
    .join('')
  const rates = document.intervals.map((interval) => interval.deliveryRatePercent)
  const body = [
    legend([['delivered', COLOURS.delivered], ['failed', COLOURS.failed], ['pending', COLOURS.pending], ['not sent', COLOURS.notSent], ['delivery rate (right axis)', COLOURS.rate]]),
    yAxis(scale, (value) => String(value)),
    yAxis({ top: 100, step: 25 }, (value) => `${value}%`, 'right'),
    stacks,
    `<path d="${linePath(rates, rateAxis)}" fill="none" stroke="${COLOURS.rate}" stroke-width="2"/>`,
    dots(rates, rateAxis, COLOURS.rate, (index) => `${document.intervals[index]!.label}: delivery rate ${formatRate(rates[index]!)}`),
    xAxis(document, bars),
    noDataNote(document),
  ]
  return svg('chart-delivery', 'PINs per interval (delivered, failed, pending, not sent) and delivery rate', body.join(''))
}

/** p50, p90 and p99 from send to delivered, per interval. */
function latencyChart(document: ReportDocument): string {
  const series = (['p50', 'p90', 'p99'] as const).map((key) => ({ key, values: document.intervals.map((interval) => (interval.latencyMs ? interval.latencyMs[key] / 1000 : null)) }))
  const scale = niceScale(Math.max(0, ...series.flatMap((line) => line.values.filter((value): value is number => value !== null))))
  const chart = axes(document.intervals.length, scale.top)
  const body = [
    legend([['p50', COLOURS.p50], ['p90', COLOURS.p90], ['p99', COLOURS.p99]]),
    yAxis(scale, (value) => `${number(value)} s`),
    ...series.map((line) => `<path d="${linePath(line.values, chart)}" fill="none" stroke="${COLOURS[line.key]}" stroke-width="2"/>`),
    ...series.map((line) => dots(line.values, chart, COLOURS[line.key], (index) => `${document.intervals[index]!.label}: ${line.key} ${formatLatency(line.values[index]! * 1000)}`)),
    xAxis(document, chart),
    noDataNote(document),
  ]
  return svg('chart-latency', 'Latency from send to delivered: p50, p90 and p99 per interval', body.join(''))
}

/** Failures over the span by reason, as horizontal bars. */
function failureChart(document: ReportDocument): string {
  const reasons = document.failuresByReason.slice(0, 8)
  const height = Math.max(60, 28 + reasons.length * 26)
  const labelWidth = 330
  const most = Math.max(1, ...reasons.map((reason) => reason.count))
  const rows = reasons
    .map((reason, index) => {
      const y = 14 + index * 26
      const width = Math.max(2, ((CHART_WIDTH - labelWidth - 70) * reason.count) / most)
      const shown = reason.reason.length > 48 ? `${reason.reason.slice(0, 47)}…` : reason.reason
      return `<text x="${labelWidth - 8}" y="${y + 13}" text-anchor="end" class="tick">${escapeHtml(shown)}<title>${escapeHtml(reason.reason)}</title></text>` +
        `<rect x="${labelWidth}" y="${y}" width="${number(width)}" height="18" fill="${COLOURS.failed}"/>` +
        `<text x="${number(labelWidth + width + 6)}" y="${y + 13}" class="tick">${reason.count}</text>`
    })
    .join('')
  const empty = reasons.length === 0 ? `<text x="${CHART_WIDTH / 2}" y="34" text-anchor="middle" class="empty">no failures in this span</text>` : ''
  return `<svg id="chart-failures" class="chart" role="img" aria-labelledby="chart-failures-title" width="${CHART_WIDTH}" height="${height}" viewBox="0 0 ${CHART_WIDTH} ${height}" xmlns="http://www.w3.org/2000/svg"><title id="chart-failures-title">Failures by reason</title>${rows}${empty}</svg>`
}

function figureCells(figures: FiguresDocument): string {
  const latency = figures.latencyMs
  const cells = [
    figures.sent, figures.accepted, figures.delivered, figures.failed, figures.pending, figures.notSent, figures.deliveryRatePercent === null ? '–' : formatRate(figures.deliveryRatePercent),
    latency ? formatLatency(latency.p50) : '–', latency ? formatLatency(latency.p90) : '–', latency ? formatLatency(latency.p99) : '–',
  ]
  return cells.map((cell) => `<td>${escapeHtml(String(cell))}</td>`).join('')
}

const FIGURE_HEADERS = '<th>sent</th><th>accepted</th><th>delivered</th><th>failed</th><th>pending</th><th>not sent</th><th>rate</th><th>p50</th><th>p90</th><th>p99</th>'

const STYLE = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#212121;margin:24px auto;max-width:${CHART_WIDTH + 40}px;padding:0 20px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.sub{color:#616161;margin:0 0 16px}
.tiles{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0}
.tile{border:1px solid #e0e0e0;border-radius:6px;padding:8px 12px;min-width:84px}
.tile b{display:block;font-size:20px}
.tile.bad b{color:${COLOURS.failed}}
svg.chart{display:block;max-width:100%;height:auto;margin:4px 0}
svg .tick{font-size:11px;fill:#424242}svg .legend{font-size:12px;fill:#212121}
svg .axis-title{font-size:11px;fill:#757575}svg .empty{font-size:14px;fill:#9e9e9e}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid #eee;padding:3px 6px;text-align:right}
th:first-child,td:first-child{text-align:left}
tr.total td{font-weight:600;border-top:2px solid #bdbdbd}
footer{color:#757575;font-size:12px;margin-top:24px}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}svg.chart,table{break-inside:avoid}}
`

/** The whole page: summary, charts, then the figures as tables. */
export function renderReportHtml(document: ReportDocument, generatedAt: Date): string {
  const [from, to] = spanEnds(document)
  const total = document.total
  const tile = (label: string, value: string, bad = false) => `<div class="tile${bad ? ' bad' : ''}"><b>${escapeHtml(value)}</b>${escapeHtml(label)}</div>`
  const intervalRows = document.intervals.map((interval) => `<tr><td>${escapeHtml(interval.label)}</td>${figureCells(interval)}</tr>`).join('')
  const smscRows = document.bySmsc.map((smsc) => `<tr><td>${escapeHtml(smscLabel(smsc.smsc))}</td>${figureCells(smsc)}</tr>`).join('')
  const reasonRows = document.failuresByReason.map((reason) => `<tr><td>${escapeHtml(reason.reason)}</td><td>${reason.count}</td></tr>`).join('')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="sms-kannel report">
<title>PIN delivery ${escapeHtml(from)} to ${escapeHtml(to)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>PIN delivery</h1>
<p class="sub">${escapeHtml(from)} to ${escapeHtml(to)}, by ${document.by}; times in ${escapeHtml(document.zoneLabel)}</p>
<div class="tiles">${[
    tile('PINs sent', String(total.sent)),
    tile('delivered', String(total.delivered)),
    tile('failed', String(total.failed), total.failed > 0),
    tile('pending', String(total.pending), total.pending > 0),
    tile('not sent', String(total.notSent), total.notSent > 0),
    tile('delivery rate', formatRate(total.deliveryRatePercent)),
    tile('p90 latency', total.latencyMs ? formatLatency(total.latencyMs.p90) : '–'),
  ].join('')}</div>
<h2>PINs and delivery rate</h2>
${deliveryChart(document)}
<h2>Latency from send to delivered</h2>
${latencyChart(document)}
<h2>Failures by reason</h2>
${failureChart(document)}
<h2>Interval by interval</h2>
<table id="intervals"><thead><tr><th>interval (${escapeHtml(document.timeZone)})</th>${FIGURE_HEADERS}</tr></thead>
<tbody>${intervalRows}<tr class="total"><td>total</td>${figureCells(total)}</tr></tbody></table>
<h2>By SMSC</h2>
<table id="smscs"><thead><tr><th>SMSC</th>${FIGURE_HEADERS}</tr></thead><tbody>${smscRows || '<tr><td colspan="11">none</td></tr>'}</tbody></table>
<h2>Failures by reason</h2>
<table id="reasons"><thead><tr><th>reason</th><th>PINs</th></tr></thead><tbody>${reasonRows || '<tr><td colspan="2">none</td></tr>'}</tbody></table>
<footer>Not sent: the send failed (gateway unreachable or refusing), nothing went out. Rate = delivered / (delivered + failed). Latency from the send (or the first report) to the delivered report. Made by sms-kannel report at ${escapeHtml(formatLocal(generatedAt.getTime(), document.timeZone, 'minute'))} (${escapeHtml(document.timeZone)}).</footer>
</body>
</html>
`
}
