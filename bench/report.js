// `sms-kannel report` over a store of a million events (aim: under 2 s), beside a baseline
// that only reads the same rows with better-sqlite3 and computes nothing; and `check` over
// its last 15 minutes on the same store. The store is made through the store's own API
// (not timed): 30 days of PINs, each with a "sent" record and two reports.
import { createRequire } from 'node:module'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { measure, median } from './measure.js'
import { loadSourceModules } from './source-modules.js'

const BIN = new URL('../bin/sms-kannel.cjs', import.meta.url).pathname
const root = new URL('..', import.meta.url).pathname
const NOW = '2026-11-28T12:00:00.000Z'
/** node's arguments that fix the CLI's wall clock at NOW, as the tests do. */
const AT_NOW = ['--import', new URL(`../test/helpers/fixed-clock.mjs?now=${encodeURIComponent(NOW)}`, import.meta.url).href]
const DAYS = 30
const PROGRESS = { identity: 'bench', path: 'bench', byteOffset: 0, firstLine: 'bench', headBytes: 0, headHash: '' }

/** PIN i's outcome: mostly delivered, some undelivered or rejected, a few still pending. */
function reportsFor(index, sentMs) {
  const roll = (index * 7919) % 1000
  const latency = 1 + ((index * 104729) % 30)
  const second = roll < 950 ? { dlr: 1, reply: '' }
    : roll < 985 ? { dlr: 2, reply: 'id:x sub:001 dlvrd:000 submit date:2611281000 done date:2611281001 stat:UNDELIV err:011 text:PIN' }
    : roll < 995 ? { dlr: 16, reply: 'NACK/11/Invalid Destination Address' }
    : { dlr: 4, reply: '' }
  return [{ dlr: 8, reply: 'ACK/', atMs: sentMs + 1000 }, { ...second, atMs: sentMs + latency * 1000 }]
}

export async function makeReportStore(path, events) {
  const { openStore, parseDlrLine, DLR_PARAMS } = loadSourceModules(
    'store',
    "export { openStore } from './src/shell/store.ts'\nexport { parseDlrLine } from './src/core/dlr.ts'\nexport { DLR_PARAMS } from './src/core/kannel-request.ts'",
  )
  const store = await openStore(path)
  const pins = Math.floor(events / 2)
  const endMs = Date.parse(NOW)
  const stepMs = (DAYS * 86_400_000) / pins
  const context = { names: { ...DLR_PARAMS }, feedbackPath: '/smsKannelfeedback', receivedAt: new Date(NOW), source: { kind: 'http' } }
  let writer = store.beginBatch(false)
  for (let index = 0; index < pins; index++) {
    const sentMs = Math.floor(endMs - DAYS * 86_400_000 + index * stepMs)
    const hex = sentMs.toString(16).padStart(12, '0')
    const messageId = `${hex.slice(0, 8)}-${hex.slice(8)}-7000-8000-${String(index).padStart(12, '0')}`
    store.recordSend({ messageId, sequence: String(index), recipient: '+4917*****567', sentAt: new Date(sentMs).toISOString(), outcome: 'accepted', gateway: 'http://kannel:13013' })
    for (const report of reportsFor(index, sentMs)) {
      const query = `seq=${index}&msgid=${messageId}&dlr=${report.dlr}&reply=${encodeURIComponent(report.reply)}&smscmsgid=&recipient=%2B491701234567&time=${Math.floor(report.atMs / 1000)}&smsc=${index % 3 === 0 ? 'smpp2' : 'smpp1'}`
      context.receivedAt = new Date(report.atMs + 200)
      writer.add(parseDlrLine(query, context).event)
    }
    if (index % 5000 === 4999) {
      writer.commit({ ...PROGRESS, line: index })
      writer = store.beginBatch(false)
    }
  }
  writer.commit({ ...PROGRESS, line: pins })
  store.close()
  return pins * 2
}

/** Reads the rows report reads, through the same driver, and computes nothing. */
const BASELINE = `
const Database = require(process.argv[2])
const db = new Database(process.argv[3], { readonly: true })
let rows = 0
for (const row of db.prepare('SELECT message_id, sent_at FROM sends').raw().iterate()) rows++
for (const row of db.prepare('SELECT message_id, status, smsc_id, smsc_reply, coalesce(gateway_time, received_at) FROM events').raw().iterate()) rows++
process.stdout.write(String(rows))
`

export async function benchReport({ events, rounds, log }) {
  const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-bench-report-'))
  const store = join(dir, 'events.db')
  log(`report: making a store of ${events.toLocaleString('en')} events`)
  const made = await makeReportStore(store, events)
  const baselineScript = join(dir, 'read-rows.cjs')
  writeFileSync(baselineScript, BASELINE)
  const driver = createRequire(join(root, 'package.json')).resolve('better-sqlite3')
  const env = { TZ: 'UTC' }
  const baseline = []
  const ours = []
  const checks = []
  for (let round = 0; round < rounds; round++) {
    log(`report: round ${round + 1}/${rounds}`)
    baseline.push(await measure(process.execPath, [baselineScript, driver, store]))
    ours.push(await measure(process.execPath, [...AT_NOW, BIN, 'report', '--since', `${DAYS}d`, '--store', store, '--json'], { env }))
    checks.push(await measure(process.execPath, [...AT_NOW, BIN, 'check', '--window', '15m', '--store', store, '--warn-rate', '95'], { env, allowExit: [0, 1, 2] }))
  }
  const total = JSON.parse(ours[0].stdout).total
  const baseSeconds = median(baseline.map((run) => run.seconds))
  const ourSeconds = median(ours.map((run) => run.seconds))
  const cpu = (runs) => `${median(runs.map((run) => run.cpuSeconds)).toFixed(2)} s CPU`
  const checkSeconds = median(checks.map((run) => run.seconds))
  rmSync(dir, { recursive: true, force: true })
  return [
    {
      name: `report --since ${DAYS}d over ${made.toLocaleString('en')} events (${total.sent.toLocaleString('en')} PINs)`,
      baseline: `reading the same rows, nothing computed: ${baseSeconds.toFixed(2)} s, ${cpu(baseline)}, ${Math.round(Math.max(...baseline.map((run) => run.peakMb)))} MB`,
      ours: `${ourSeconds.toFixed(2)} s, ${cpu(ours)}, ${Math.round(Math.max(...ours.map((run) => run.peakMb)))} MB`,
      ratio: `${(ourSeconds / baseSeconds).toFixed(2)}x time`,
      note: `aim < 2 s; ${total.delivered} delivered, ${total.failed} failed, ${total.pending} pending`,
    },
    {
      name: `check --window 15m on the same store`,
      baseline: '',
      ours: `${checkSeconds.toFixed(2)} s, ${cpu(checks)}`,
      ratio: '',
      note: 'reads only the window: its reports by event id (they begin with their time), its sends by sent_at',
    },
  ]
}
