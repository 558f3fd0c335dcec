// Replay into PostgreSQL: `sms-kannel feedback --replay` against a naive peer (one INSERT per
// line), same file, same server (started here as the tests start theirs), same run.
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateDlrFile } from './generate-dlrs.js'
import { measure, median } from './measure.js'
import { loadSourceModules } from './source-modules.js'

const BIN = new URL('../bin/sms-kannel.cjs', import.meta.url).pathname
const NAIVE = new URL('./naive-pg-replay.js', import.meta.url).pathname

export async function benchPgReplay({ lines, rounds, log }) {
  const { startPostgres, postgresMissingReason } = loadSourceModules('pg-server', "export { startPostgres, postgresMissingReason } from './test/helpers/postgres-server.ts'", ['pg'])
  const missing = postgresMissingReason()
  if (missing) {
    log(`pg-replay: SKIPPED, PostgreSQL is ${missing}: apt-get install -y postgresql`)
    return [{ name: 'replay into PostgreSQL', baseline: '-', ours: '-', ratio: '-', note: `SKIPPED: PostgreSQL is ${missing}` }]
  }
  const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-bench-pg-replay-'))
  const file = join(dir, 'dlrs.log')
  log(`pg-replay: generating ${lines.toLocaleString('en')} lines, starting PostgreSQL`)
  const [server] = await Promise.all([startPostgres(), generateDlrFile(file, lines)])
  try {
    const env = { PGPASSWORD: server.password }
    const fresh = async () => Object.assign(new URL(await server.createDatabase()), { password: '' }).href
    const baseline = []
    const ours = []
    let summary
    let naiveNew
    // Alternate the two so that a noisy moment hits both alike.
    for (let round = 0; round < rounds; round++) {
      log(`pg-replay: ${lines.toLocaleString('en')} lines, round ${round + 1}/${rounds}`)
      const naiveStore = await fresh()
      // The schema as sms-kannel makes it, not timed.
      await measure(process.execPath, [BIN, 'store', 'migrate', '--store', naiveStore], { env })
      const naive = await measure(process.execPath, [NAIVE, file, naiveStore], { env })
      const naiveSummary = JSON.parse(naive.stdout)
      naiveNew = naiveSummary.new
      baseline.push({ ...naive, seconds: naive.seconds - naiveSummary.buildSeconds })
      const run = await measure(process.execPath, [BIN, 'feedback', '--replay', file, '--store', await fresh(), '--json', '--rejects', join(dir, 'rejects')], { env, allowExit: [0, 65] })
      summary = JSON.parse(run.stdout.split('\n')[0])
      ours.push(run)
    }
    const baseSeconds = median(baseline.map((run) => run.seconds))
    const ourSeconds = median(ours.map((run) => run.seconds))
    return [{
      name: `replay ${lines.toLocaleString('en')} lines (${(statSync(file).size / 1e6).toFixed(0)} MB) into PostgreSQL`,
      baseline: `${Math.round(lines / baseSeconds).toLocaleString('en')} lines/s, ${Math.round(Math.max(...baseline.map((run) => run.peakMb)))} MB`,
      ours: `${Math.round(lines / ourSeconds).toLocaleString('en')} lines/s, ${Math.round(Math.max(...ours.map((run) => run.peakMb)))} MB`,
      ratio: `${(baseSeconds / ourSeconds).toFixed(2)}x speed`,
      note: `naive peer: one INSERT per line (new ${naiveNew}); ours: new ${summary.new}, duplicates ${summary.duplicates}, bad ${summary.bad}; start-up and connecting included`,
    }]
  } finally {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
