// npm run bench: every benchmark, each beside a baseline measured in the same run on the same
// machine, printed as one table. Sizes can be lowered for a quick look:
//   BENCH_REPLAY_LINES=100000,1000000 BENCH_ROUNDS=1 npm run bench
//   BENCH_ONLY=serve BENCH_SERVE_SECONDS=5 npm run bench
//   BENCH_ONLY=startup BENCH_STARTUP_RUNS=10 npm run bench
//   BENCH_ONLY=smsc-reply npm run bench
//   BENCH_ONLY=report BENCH_REPORT_EVENTS=100000 npm run bench
//   BENCH_ONLY=pg-replay BENCH_PG_REPLAY_LINES=20000 npm run bench
//   BENCH_ONLY=store-write-cpu npm run bench
import { checkTools } from './measure.js'
import { benchPgReplay } from './pg-replay.js'
import { benchReplay } from './replay.js'
import { benchReport } from './report.js'
import { benchServe } from './serve.js'
import { benchSmscReply } from './smsc-reply.js'
import { benchStartup } from './startup.js'
import { benchStoreWriteCpu } from './store-write-cpu.js'

const sizes = (process.env.BENCH_REPLAY_LINES ?? '1000000,10000000').split(',').map(Number)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const log = (line) => process.stderr.write(`${line}\n`)

checkTools()
const only = process.env.BENCH_ONLY?.split(',')
const wanted = (name) => !only || only.includes(name)
const rows = []
if (wanted('startup')) rows.push(...(await benchStartup({ runs: Number(process.env.BENCH_STARTUP_RUNS ?? 30), log })))
// A group's callbacks are answered once its journal line is fsynced (full): throughput follows group size and durability.
const serveVariants = [
  { connections: 32, durability: 'full' },
  { connections: 128, durability: 'full' },
  { connections: 32, durability: 'normal' },
]
if (wanted('serve')) rows.push(...(await benchServe({ seconds: Number(process.env.BENCH_SERVE_SECONDS ?? 10), variants: serveVariants, postgresConnections: [32], rounds, log })))
// Why serve into PostgreSQL and into SQLite differ on one machine: each store's CPU per event.
if (wanted('store-write-cpu')) rows.push(...(await benchStoreWriteCpu({ rounds, log })))
if (wanted('smsc-reply')) rows.push(...benchSmscReply({ rounds: Number(process.env.BENCH_SMSC_REPLY_ROUNDS ?? 15), log }))
if (wanted('replay')) rows.push(...(await benchReplay({ sizes, rounds, log })))
if (wanted('pg-replay')) rows.push(...(await benchPgReplay({ lines: Number(process.env.BENCH_PG_REPLAY_LINES ?? 50_000), rounds, log })))
if (wanted('report')) rows.push(...(await benchReport({ events: Number(process.env.BENCH_REPORT_EVENTS ?? 1_000_000), rounds, log })))

const columns = ['name', 'baseline', 'ours', 'ratio', 'note']
const headers = ['benchmark', 'baseline', 'sms-kannel', 'ratio', 'note']
const widths = columns.map((column, index) => Math.max(headers[index].length, ...rows.map((row) => String(row[column]).length)))
const line = (cells) => `| ${cells.map((cell, index) => String(cell).padEnd(widths[index])).join(' | ')} |`
console.log(line(headers))
console.log(line(widths.map((width) => '-'.repeat(width))))
for (const row of rows) console.log(line(columns.map((column) => row[column])))
