// Callbacks per second: `sms-kannel serve` (each stored before its 200; with --durability
// full, its journal line fsynced too) against the naive baseline, both loaded by autocannon
// on loopback with unique URLs.
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import Database from 'better-sqlite3'
import { processCpuMs } from './postgres.js'

const BIN = new URL('../bin/sms-kannel.cjs', import.meta.url).pathname
const NAIVE = new URL('./naive-serve.js', import.meta.url).pathname

/**
 * The server logs a line per callback. Its stderr goes to a file, as under systemd: a pipe
 * read by this process (busy running autocannon) fills up and stalls the server.
 */
function startServer(args, logFile, env = {}) {
  const fd = openSync(logFile, 'w')
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', fd], env: { ...process.env, ...env } })
  closeSync(fd)
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(readFileSync(logFile, 'utf8'))
      if (match) {
        clearInterval(timer)
        resolve({ child, base: match[1] })
      }
    }, 50)
    child.on('exit', () => {
      clearInterval(timer)
      reject(new Error(`server exited: ${readFileSync(logFile, 'utf8')}`))
    })
  })
}

function peakRssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]) / 1024
}

/** Shaped like the ids `send` puts into the dlr-url: UUID v7, a millisecond time first. */
function messageId() {
  const uuid = randomUUID()
  return `${Date.now().toString(16).padStart(12, '0').replace(/^(.{8})/, '$1-')}-7${uuid.slice(15)}`
}

async function load(base, seconds, connections) {
  const result = await autocannon({
    url: base,
    connections,
    duration: seconds,
    requests: [
      {
        setupRequest: (request) => {
          request.path = `/smsKannelfeedback?seq=${Math.floor(Math.random() * 1e5)}&msgid=${messageId()}&dlr=1&reply=&recipient=%2B491701234567&time=1795858642&smsc=smsc1`
          return request
        },
      },
    ],
  })
  return result
}

async function stop(child) {
  child.kill('SIGTERM')
  await new Promise((resolve) => child.once('exit', resolve))
}

export async function benchServe({ seconds, variants, postgresConnections = [], rounds = 3, log }) {
  const rows = []
  for (const variant of variants) rows.push(...(await benchServeAt({ seconds, ...variant, log })))
  for (const connections of postgresConnections) rows.push(...(await benchServePostgres({ seconds, connections, rounds, log })))
  return rows
}

const describeRun = ({ result, peakMb }) =>
  `${Math.round(result.requests.average).toLocaleString('en')}/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ${Math.round(peakMb)} MB`

/**
 * One server under load: warm-up, then the timed run; its result, peak memory, and the CPU
 * time per 1,000 callbacks of serve, of the database's processes (databaseCpuMs) and of the
 * load generator (this process), all sharing the machine's cores.
 */
async function loadServer(args, logFile, seconds, connections, env, databaseCpuMs = () => 0) {
  const { child, base } = await startServer(args, logFile, env)
  await load(base, 1, connections) // warm-up: JIT, the store's first pages, the connections
  const before = { serve: processCpuMs(child.pid), database: databaseCpuMs(), load: process.cpuUsage() }
  const result = await load(base, seconds, connections)
  const loadUsage = process.cpuUsage(before.load)
  const thousands = result.requests.total / 1000
  const cpu = {
    serve: (processCpuMs(child.pid) - before.serve) / thousands,
    database: (databaseCpuMs() - before.database) / thousands,
    load: (loadUsage.user + loadUsage.system) / 1000 / thousands,
  }
  const peakMb = peakRssMb(child.pid)
  await stop(child)
  return { result, peakMb, cpu }
}

const describeCpu = ({ cpu }) => `serve ${Math.round(cpu.serve)}${cpu.database ? ` + database ${Math.round(cpu.database)}` : ''} + load generator ${Math.round(cpu.load)} ms`

/** serve into PostgreSQL (journal fsync, then the database) beside serve into SQLite, same run. */
async function benchServePostgres({ seconds, connections, rounds, log }) {
  const name = `serve: callbacks into PostgreSQL, ${connections} connections, durability full`
  const { startBenchPostgres } = await import('./postgres.js')
  const server = await startBenchPostgres()
  if (!server) {
    log('serve into PostgreSQL: SKIPPED, PostgreSQL is not installed (apt-get install -y postgresql)')
    return [{ name, baseline: '', ours: 'SKIPPED: PostgreSQL not installed', ratio: '', note: '' }]
  }
  const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-bench-serve-pg-'))
  try {
    // Alternated, round by round, so that the machine's other load falls on both alike; medians.
    const runs = { sqlite: [], postgres: [] }
    let stored = 0
    for (let round = 1; round <= rounds; round++) {
      const url = await server.createDatabase()
      log(`serve: into SQLite, ${connections} connections for ${seconds} s (round ${round} of ${rounds})`)
      runs.sqlite.push(await loadServer([BIN, 'serve', '--listen', '127.0.0.1:0', '--store', join(dir, `events-${round}.db`)], join(dir, 'sqlite.log'), seconds, connections))
      log(`serve: into PostgreSQL, ${connections} connections for ${seconds} s (round ${round} of ${rounds})`)
      // The URL (with its password) in the environment, as on a node; never in argv.
      runs.postgres.push(await loadServer([BIN, 'serve', '--listen', '127.0.0.1:0'], join(dir, 'postgres.log'), seconds, connections, { SMSKANNEL_STORE: url, SMSKANNEL_JOURNAL: join(dir, 'serve.journal') }, server.cpuMs))
      stored += await server.count(url, 'events')
    }
    const middle = (list) => [...list].sort((a, b) => a.result.requests.average - b.result.requests.average)[Math.floor(list.length / 2)]
    const [sqlite, postgres] = [middle(runs.sqlite), middle(runs.postgres)]
    const answered = runs.postgres.reduce((sum, run) => sum + run.result['2xx'], 0)
    const ratios = runs.postgres.map((run, index) => (run.result.requests.average / runs.sqlite[index].result.requests.average).toFixed(2)).join(', ')
    return [
      {
        name,
        baseline: `serve into SQLite, same run: ${describeRun(sqlite)}`,
        ours: describeRun(postgres),
        ratio: `${(postgres.result.requests.average / sqlite.result.requests.average).toFixed(2)}x SQLite's throughput (medians of ${rounds}; rounds ${ratios})`,
        note: `CPU per 1,000 callbacks (medians' rounds): into SQLite ${describeCpu(sqlite)}; into PostgreSQL ${describeCpu(postgres)}. ${answered.toLocaleString('en')} answered 200 (incl. warm-up: ${stored.toLocaleString('en')} stored), non-2xx ${runs.postgres.reduce((sum, run) => sum + run.result.non2xx, 0)}, errors ${runs.postgres.reduce((sum, run) => sum + run.result.errors, 0)}`,
      },
    ]
  } finally {
    server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function benchServeAt({ seconds, connections, durability, log }) {
  const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-bench-serve-'))
  const results = {}
  for (const [name, args] of [
    ['baseline', [NAIVE, join(dir, 'callbacks.log')]],
    ['ours', [BIN, 'serve', '--listen', '127.0.0.1:0', '--store', join(dir, 'events.db'), '--durability', durability]],
  ]) {
    log(`serve: ${name}, ${connections} connections for ${seconds} s`)
    const { child, base } = await startServer(args, join(dir, `${name}.log`))
    await load(base, 1, connections) // warm-up: JIT, the store's first pages
    const result = await load(base, seconds, connections)
    const peakMb = peakRssMb(child.pid)
    await stop(child)
    results[name] = { result, peakMb }
  }
  const db = new Database(join(dir, 'events.db'), { readonly: true })
  const stored = db.prepare('SELECT count(*) AS n FROM events').get().n
  db.close()
  rmSync(dir, { recursive: true, force: true })

  const describe = ({ result, peakMb }) =>
    `${Math.round(result.requests.average).toLocaleString('en')}/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ${Math.round(peakMb)} MB`
  const ours = results.ours.result
  const okResponses = ours['2xx']
  return [
    {
      name: `serve: callbacks, ${connections} connections, durability ${durability}`,
      baseline: describe(results.baseline),
      ours: describe(results.ours),
      ratio: `${(ours.requests.average / results.baseline.result.requests.average).toFixed(2)}x throughput`,
      note: `${okResponses.toLocaleString('en')} answered 200 (incl. warm-up: ${stored.toLocaleString('en')} stored), non-2xx ${ours.non2xx}, errors ${ours.errors}`,
    },
  ]
}
