// Replay throughput: `sms-kannel feedback --replay` into a fresh store against the naive
// storing peer (bench/naive-storing-replay.js), same file, same machine, same run, on the
// generated file and on one whose event keys arrive in no order; peak memory at each size.
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateDlrFile } from './generate-dlrs.js'
import { measure, median } from './measure.js'

const BIN = new URL('../bin/sms-kannel.cjs', import.meta.url).pathname
const NAIVE = new URL('./naive-storing-replay.js', import.meta.url).pathname
const CEILING = new URL('./sqlite-ceiling.js', import.meta.url).pathname
const STORE_ALONE = new URL('./store-ceiling.js', import.meta.url).pathname
const KEY_FLOOR = new URL('./event-key-floor.js', import.meta.url).pathname

export async function benchReplay({ sizes, rounds, log, keys = ['ordered', 'hashed'] }) {
  const rows = []
  for (const lines of sizes) {
    for (const order of keys) rows.push(...(await benchOneFile({ lines, order, first: lines === sizes[0] && order === keys[0], floor: lines === sizes[0], rounds, log })))
  }
  return rows
}

async function benchOneFile({ lines, order, first, floor, rounds, log }) {
  const rows = []
  const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-bench-replay-'))
  const file = join(dir, 'dlrs.log')
  log(`replay: generating ${lines.toLocaleString('en')} lines, keys ${order}`)
  await generateDlrFile(file, lines, { keys: order })
  const baseline = []
  const ours = []
  let summary
  // Alternate the two so that a noisy moment hits both alike.
  // Ten million lines take minutes a run: once is enough to see the memory stay flat.
  const roundsHere = lines >= 5_000_000 ? 1 : rounds
  for (let round = 0; round < roundsHere; round++) {
    log(`replay: ${lines.toLocaleString('en')} lines, round ${round + 1}/${roundsHere}`)
    const naiveStore = join(dir, `naive-${round}.db`)
    baseline.push(await measure(process.execPath, [NAIVE, file, naiveStore]))
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${naiveStore}${suffix}`, { force: true })
    const store = join(dir, `events-${round}.db`)
    const run = await measure(process.execPath, [BIN, 'feedback', '--replay', file, '--store', store, '--json'], { allowExit: [0, 65] })
    summary = JSON.parse(run.stdout.split('\n')[0])
    ours.push(run)
    for (const suffix of ['', '-wal', '-shm', '.rejects']) rmSync(`${store}${suffix}`, { force: true })
  }
  const baseSeconds = median(baseline.map((run) => run.seconds))
  const ourSeconds = median(ours.map((run) => run.seconds))
  const ceilingRows = []
  // The store alone reads its file whole: only for the first size, and only up to a million lines.
  if (first && lines <= 1_000_000) {
    // As many bare rows as this file has new events: the store alone, against the aim.
    const events = summary.new
    const ceiling = JSON.parse((await measure(process.execPath, [CEILING, String(events)])).stdout)
    const target = (2 * lines) / baseSeconds
    const storeAlone = JSON.parse((await measure(process.execPath, [STORE_ALONE, file])).stdout)
    ceilingRows.push({
      name: `the store alone: ${storeAlone.rows.toLocaleString('en')} parsed events`,
      baseline: `2x the naive storing peer: ${Math.round(target).toLocaleString('en')} lines/s`,
      ours: `${Math.round(storeAlone.rows / storeAlone.seconds).toLocaleString('en')} events/s = ${Math.round(lines / storeAlone.seconds).toLocaleString('en')} lines/s`,
      ratio: `${(lines / storeAlone.seconds / target).toFixed(2)}x the aim`,
      note: 'real schema and indexes, events parsed beforehand (not timed)',
    })
    ceilingRows.push({
      name: `SQLite alone: ${events.toLocaleString('en')} bare keyed rows`,
      baseline: `2x the naive storing peer: ${Math.round(target).toLocaleString('en')} lines/s`,
      ours: `${Math.round(events / ceiling.seconds).toLocaleString('en')} rows/s = ${Math.round(lines / ceiling.seconds).toLocaleString('en')} lines/s`,
      ratio: `${(lines / ceiling.seconds / target).toFixed(2)}x the aim`,
      note: 'the fastest a row-per-event store can be here, with nothing parsed',
    })
  }
  // Each file's own event ids: in no order they make every insert land on another page.
  if (floor && lines <= 1_000_000) {
    log(`replay: the idempotent floor, keys ${order}`)
    const measured = JSON.parse((await measure(process.execPath, [KEY_FLOOR, file])).stdout)
    const targetSeconds = baseSeconds / 2
    const variants = [
      ['event ids alone (one B-tree)', measured.keyOnlySeconds, '64 MiB cache'],
      ['event ids and their lines', measured.keyAndLineSeconds, '64 MiB cache'],
      ['event ids and their lines', measured.keyAndLineReplayCacheSeconds, `replay's ${measured.replayCacheMib} MiB cache (what the 100 MB aim leaves)`],
    ]
    for (const [what, seconds, cache] of variants) {
      ceilingRows.push({
        name: `the idempotent floor, keys ${order === 'ordered' ? 'in order' : 'in no order'}: this file's ${measured.events.toLocaleString('en')} ${what}, nothing parsed`,
        baseline: `2x the naive storing peer: the whole run in ${targetSeconds.toFixed(2)} s`,
        ours: `${seconds.toFixed(2)} s to store`,
        ratio: `${(targetSeconds / seconds).toFixed(2)}x the aim`,
        note: `30,000 events a transaction, ${cache}: storing alone, before any parsing`,
      })
    }
  }
  const row = {
    name: `replay ${lines.toLocaleString('en')} lines (${(statSync(file).size / 1e6).toFixed(0)} MB), keys ${order === 'ordered' ? 'in order' : 'in no order'}`,
    baseline: `${Math.round(lines / baseSeconds).toLocaleString('en')} lines/s, ${Math.round(Math.max(...baseline.map((run) => run.peakMb)))} MB`,
    ours: `${Math.round(lines / ourSeconds).toLocaleString('en')} lines/s, ${Math.round(Math.max(...ours.map((run) => run.peakMb)))} MB`,
    ratio: `${(baseSeconds / ourSeconds).toFixed(2)}x speed`,
    note: `new ${summary.new}, duplicates ${summary.duplicates}, bad ${summary.bad}, skipped ${summary.skipped}`,
  }
  // Each row as soon as it is measured: a long run that fails later still leaves its figures.
  log(`replay: ${row.name}: ${row.baseline} | ${row.ours} | ${row.ratio}`)
  rows.push(row, ...ceilingRows)
  rmSync(dir, { recursive: true, force: true })
  return rows
}
