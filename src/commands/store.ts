import { resolveConfig, type ConfigSources } from '../core/config.js'
import { ConfigError, InputError, UsageError } from '../core/errors.js'
import { currentEventId, type CopiedEventRow } from '../core/legacy-events.js'
import { isPostgresUrl, shownStoreLocation, storeUrlPasswords } from '../core/store-location.js'
import { STORE_TABLES, type SharedEventStore, type StoreRow, type StoreTable } from '../shell/event-store.js'

export interface StoreIo {
  /** `fileMode`: of an SQLite store created now (config's storeFileMode). */
  openStore: (location: string, fileMode: number) => Promise<SharedEventStore>
  /** Whether an SQLite store file is there: copying from a missing one would create it. */
  fileExists: (path: string) => boolean
}

/** Creates the store smskannel.store names, or brings its schema up to date. */
export async function migrateStore(input: { sources: ConfigSources }, io: StoreIo): Promise<{ store: string }> {
  const { storePath, storeFileMode } = resolveConfig(input.sources, ['storePath', 'storeFileMode']).config
  if (!storePath) throw new ConfigError('store migrate needs the event store to create or upgrade.', 'Set smskannel.store (SMSKANNEL_STORE) or pass --store FILE|URL.')
  const store = await io.openStore(storePath, storeFileMode)
  await store.close()
  return { store: store.location }
}

export type CopySummary = { from: string; to: string; tables: Record<StoreTable, { read: number; new: number }> }

/** Rows per page: bounded memory, one transaction each (one multi-row statement in PostgreSQL). */
const PAGE = 5000

/**
 * Copies every send, event, replay checkpoint and reject from one store into another, each
 * by its key: what the target has already is left as it is, so a second run adds nothing.
 */
export async function copyStore(input: { locations: readonly string[]; sources: ConfigSources }, io: StoreIo): Promise<CopySummary> {
  if (input.locations.length !== 2) throw new UsageError('store copy needs two stores: FROM and TO (an SQLite file or a postgres:// URL).')
  const [from, to] = input.locations.map((location) => location.trim()) as [string, string]
  for (const location of [from, to]) {
    // Arguments are visible to every user of the machine (ps); a password there is public.
    if (storeUrlPasswords(location).length > 0) {
      throw new UsageError(`${shownStoreLocation(location)}: a password on the command line is visible to every user (ps).`, 'Leave it out of the URL; put it in PGPASSWORD or ~/.pgpass.')
    }
  }
  if (from === to) throw new UsageError('store copy needs two different stores.')
  if (!isPostgresUrl(from) && !io.fileExists(from)) throw new InputError(`There is no store at ${from} to copy from.`, 'Check the path of the SQLite store (smskannel.store on the old node).')
  const { storeFileMode } = resolveConfig(input.sources, ['storeFileMode']).config
  const source = await io.openStore(from, storeFileMode)
  try {
    const target = await io.openStore(to, storeFileMode)
    try {
      const tables = {} as CopySummary['tables']
      for (const table of Object.keys(STORE_TABLES) as StoreTable[]) {
        const counts = { read: 0, new: 0 }
        for (let page = await source.exportRows(table, undefined, PAGE); page.length > 0; page = await source.exportRows(table, page.at(-1), PAGE)) {
          counts.read += page.length
          counts.new += await target.importRows(table, table === 'events' ? page.map(withCurrentEventId) : page)
        }
        tables[table] = counts
      }
      return { from: source.location, to: target.location, tables }
    } finally {
      await target.close()
    }
  } finally {
    await source.close()
  }
}

/**
 * A row of an SQLite store from before ids came from meaning is copied under its current id:
 * replaying the old logs into the copy then finds it, with no marker of old rows to carry.
 */
function withCurrentEventId(row: StoreRow): StoreRow {
  if (!row['legacy']) return row
  const { legacy: _, ...copied } = row
  return { ...copied, event_id: currentEventId(row as CopiedEventRow) ?? (row['event_id'] as string) }
}

export function summariseCopy(summary: CopySummary): string {
  const parts = (Object.entries(summary.tables) as Array<[StoreTable, { read: number; new: number }]>).map(([table, counts]) => `${counts.read} ${table.replace('_', ' ')} (${counts.new} new)`)
  return `copied ${summary.from} to ${summary.to}: ${parts.join(', ')}`
}
