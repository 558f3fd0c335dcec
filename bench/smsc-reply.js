// Reading one SMSC reply (Kannel's %A, carried by every DLR line that replay reads): µs per
// parse of src/core/smsc-reply.ts against the parser it replaced (frozen in bench/baseline/),
// both bundled and timed in the same process, rounds interleaved so both see the same machine.
//   node bench/smsc-reply.js            (or BENCH_ONLY=smsc-reply npm run bench)
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { buildSync } from 'esbuild'

const ROOT = new URL('..', import.meta.url).pathname
const BUNDLE = join(ROOT, 'node_modules/.cache/sms-kannel-bench/smsc-reply.cjs')

/** The canonical SMPP receipt layout, as most SMSCs write it. */
const TYPICAL = /^id:\S* sub:\S* dlvrd:\S* submit date:\S* done date:\S* stat:\S* err:\S* text:/

function loadParsers() {
  buildSync({
    stdin: {
      contents: "export { parseSmscReply as current } from './src/core/smsc-reply.ts'\nexport { parseSmscReply as baseline } from './bench/baseline/smsc-reply-before-tolerant.ts'",
      resolveDir: ROOT,
      loader: 'ts',
    },
    outfile: BUNDLE,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  })
  return createRequire(join(ROOT, 'package.json'))(BUNDLE)
}

/** %A values from the real Kannel callbacks (ACK/, NACK/...), and the corpus of real SMSC replies. */
function replies() {
  const corpus = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/smsc-replies.json'), 'utf8')).entries.map((entry) => entry.raw)
  const fromKannel = []
  for (const line of readFileSync(join(ROOT, 'test/fixtures/kannel/dlr-callbacks-real.txt'), 'utf8').split('\n')) {
    for (const [name, value] of new URLSearchParams(line.slice(line.indexOf('?') + 1))) {
      if (['A', 'AA', 'reply'].includes(name) && value !== '') fromKannel.push(value)
    }
  }
  return { typical: corpus.filter((raw) => TYPICAL.test(raw)), mix: [...corpus, ...fromKannel] }
}

/** Median µs per parse over interleaved rounds, and the spread of the per-round ratio. */
function time(parsers, inputs, rounds) {
  const repeat = Math.max(1, Math.ceil(50_000 / inputs.length))
  const perRound = { baseline: [], current: [] }
  let sink = 0
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? ['baseline', 'current'] : ['current', 'baseline']) {
      const parse = parsers[name]
      const started = process.hrtime.bigint()
      for (let pass = 0; pass < repeat; pass++) for (const raw of inputs) sink += parse(raw).kind.length
      perRound[name].push(Number(process.hrtime.bigint() - started) / 1000 / (repeat * inputs.length))
    }
  }
  if (sink === 0) throw new Error('nothing parsed')
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
  const ratios = perRound.current.map((us, index) => us / perRound.baseline[index])
  return { baseline: median(perRound.baseline), current: median(perRound.current), ratio: median(ratios), low: Math.min(...ratios), high: Math.max(...ratios) }
}

export function benchSmscReply({ rounds, log }) {
  const parsers = loadParsers()
  const { typical, mix } = replies()
  const rows = []
  for (const [name, inputs] of [[`typical receipts (${typical.length} canonical from the corpus)`, typical], [`all replies (${mix.length}: corpus + real Kannel %A)`, mix]]) {
    log(`smsc-reply: ${name}, ${rounds} rounds`)
    time(parsers, inputs, 2) // warm-up: both parsers optimised before anything is measured
    const result = time(parsers, inputs, rounds)
    rows.push({
      name: `parse SMSC reply: ${name}`,
      baseline: `${result.baseline.toFixed(2)} µs (parser before the tolerant rewrite)`,
      ours: `${result.current.toFixed(2)} µs`,
      ratio: `${result.ratio.toFixed(2)}x time (aim <= 1.0)`,
      note: `per-round ratio ${result.low.toFixed(2)}-${result.high.toFixed(2)}`,
    })
  }
  return rows
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const rows = benchSmscReply({ rounds: Number(process.env.BENCH_ROUNDS ?? 15), log: (line) => process.stderr.write(`${line}\n`) })
  for (const row of rows) console.log(`${row.name}: ${row.ours} vs ${row.baseline}; ${row.ratio}, ${row.note}`)
}
