// What storing serve's groups of callbacks costs in CPU, per event: SQLite inside serve's
// process against PostgreSQL (the client in serve's process plus the server's processes),
// same events, same group size, alternating round by round. On a machine whose cores serve,
// the database and the load generator share, this decides which store serves faster.
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { median } from './measure.js'
import { startBenchPostgres } from './postgres.js'
import { loadSourceModules } from './source-modules.js'

const { openStore, openPostgresStore, parseDlrLine, DLR_PARAMS } = loadSourceModules(
  'store-write-cpu',
  "export { openStore } from './src/shell/store.ts'\nexport { openPostgresStore } from './src/shell/pg-store.ts'\nexport { parseDlrLine } from './src/core/dlr.ts'\nexport { DLR_PARAMS } from './src/core/kannel-request.ts'",
  ['pg'],
)

/** The serve benchmark's callbacks: UUID v7 message ids, one delivered report each. */
function callbackEvents(count) {
  const context = { names: { ...DLR_PARAMS }, feedbackPath: '/smsKannelfeedback', receivedAt: new Date(), source: { kind: 'callback' } }
  return Array.from({ length: count }, () => {
    const messageId = `${Date.now().toString(16).padStart(12, '0').replace(/^(.{8})/, '$1-')}-7${randomUUID().slice(15)}`
    const parsed = parseDlrLine(`seq=${Math.floor(Math.random() * 1e5)}&msgid=${messageId}&dlr=1&reply=&recipient=%2B491701234567&time=1795858642&smsc=smsc1`, context)
    if (parsed.kind !== 'event') throw new Error(`not an event: ${parsed.kind}`)
    return parsed.event
  })
}

/** CPU µs per event of writing `events` in groups through the store's writer; `serverMs` adds the database's. */
async function writeGroups(store, events, group, serverMs = () => 0) {
  const started = { client: process.cpuUsage(), server: serverMs() }
  for (let from = 0; from < events.length; from += group) {
    const writer = store.beginBatch(false)
    for (const event of events.slice(from, from + group)) writer.add(event)
    await writer.commit()
  }
  const client = process.cpuUsage(started.client)
  return { client: (client.user + client.system) / events.length, server: ((serverMs() - started.server) * 1000) / events.length }
}

export async function benchStoreWriteCpu({ events = 20_000, groups = [20, 200], rounds = 3, log }) {
  const server = await startBenchPostgres()
  if (!server) {
    log('store-write-cpu: SKIPPED, PostgreSQL is not installed (apt-get install -y postgresql)')
    return [{ name: 'storing serve\'s groups: CPU per event', baseline: '-', ours: 'SKIPPED: PostgreSQL not installed', ratio: '', note: '' }]
  }
  const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-bench-store-cpu-'))
  const rows = []
  try {
    for (const group of groups) {
      const runs = { sqlite: [], postgres: [] }
      for (let round = 1; round <= rounds; round++) {
        log(`store-write-cpu: ${events.toLocaleString('en')} events in groups of ${group}, round ${round} of ${rounds}`)
        // Warm each store with a first share (JIT, connections, first pages), then time fresh events.
        const sqlite = await openStore(join(dir, `events-${group}-${round}.db`))
        await writeGroups(sqlite, callbackEvents(2000), group)
        runs.sqlite.push(await writeGroups(sqlite, callbackEvents(events), group))
        sqlite.close()
        // As serve opens it: commits that do not wait for the server's disk.
        const postgres = await openPostgresStore(await server.createDatabase(), { asyncCommit: true })
        await writeGroups(postgres, callbackEvents(2000), group, server.cpuMs)
        runs.postgres.push(await writeGroups(postgres, callbackEvents(events), group, server.cpuMs))
        await postgres.close()
      }
      const sqliteUs = median(runs.sqlite.map((run) => run.client))
      const clientUs = median(runs.postgres.map((run) => run.client))
      const serverUs = median(runs.postgres.map((run) => run.server))
      rows.push({
        name: `storing callbacks in groups of ${group}: CPU per event`,
        baseline: `SQLite, in the writing process: ${sqliteUs.toFixed(1)} µs`,
        ours: `PostgreSQL: client ${clientUs.toFixed(1)} µs + server ${serverUs.toFixed(1)} µs`,
        ratio: `${((clientUs + serverUs) / sqliteUs).toFixed(2)}x SQLite's CPU`,
        note: `medians of ${rounds}, ${events.toLocaleString('en')} events each; server: the postmaster and its children (backend, WAL writer, ...)`,
      })
      log(`store-write-cpu: groups of ${group}: ${rows.at(-1).baseline} | ${rows.at(-1).ours} | ${rows.at(-1).ratio}`)
    }
    return rows
  } finally {
    server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
