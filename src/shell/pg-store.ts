/**
 * The event store in PostgreSQL, for clusters: the SQLite store's schema and semantics, over
 * node-postgres. Events are written as one multi-row statement per group (a JSON array of rows),
 * never a round trip per event.
 */
import { closeSync, openSync } from 'node:fs'
import type { Pool, PoolClient } from 'pg'
import type { DeliveryEvent } from '../core/dlr.js'
import { BusyError, ConfigError, StoreError } from '../core/errors.js'
import { describeFileError, errorCodeOf } from '../core/file-errors.js'
import { shownStoreLocation, storeUrlPasswords } from '../core/store-location.js'
import type { SendRecord, StoredEvent } from '../core/timeline.js'
import type { AwaitedSend } from '../core/providers/provider.js'
import type { EventWriter, OpenOptions, SharedEventStore, StoreRow, StoreTable } from './event-store.js'
import { STORE_TABLES } from './event-store.js'
import { postgresReportGroups } from './pg-report.js'
import { addProviderIds, addReplayHeads, createTables } from './store-schema.js'
import type { ReplayProgress, Reject } from './store.js'

/** Numbered migrations; schema_version lists those that have run. Never edit one, add one. */
const MIGRATIONS: readonly string[] = [createTables('postgres'), addProviderIds('postgres'), addReplayHeads('postgres')]

/** Events per INSERT inside a replay's transaction: bounded memory, few round trips. */
const GROUP = 1000

const EVENT_COLUMNS = STORE_TABLES.events.columns
/**
 * One statement for any number of events, given as one JSON array of rows: JSON.stringify and
 * the server's JSON reader cost less per group than fifteen text arrays escaped element by element.
 */
const INSERT_EVENTS = `INSERT INTO events (${EVENT_COLUMNS.join(', ')})
  SELECT decode(event_id, 'hex'), ${EVENT_COLUMNS.slice(1).join(', ')}
  FROM json_to_recordset($1::json) AS t(${EVENT_COLUMNS.map((column) => `${column} ${column === 'dlr' ? 'int' : 'text'}`).join(', ')})
  ON CONFLICT (event_id) DO NOTHING
  RETURNING encode(event_id, 'hex') AS id`

/** Under root, pg would announce on stderr that its (working) ~/.pgpass support is deprecated. */
process.noDeprecation = true

export interface PostgresEventStore extends SharedEventStore {
  /**
   * Resolves once every commit made before is on the server's disk, with when the server
   * started: a different time means it restarted, and commits made without waiting for its
   * disk (asyncCommit) before then may be lost.
   */
  flushCommits(): Promise<string>
}

/** What only a PostgreSQL store takes, beyond the shared options. */
export interface PostgresOpenOptions extends OpenOptions {
  /** Each statement and each lock wait is cancelled after this long; no answer at all, soon after. */
  statementTimeoutMs?: number
  /** Aborting closes every connection at once, failing whatever is under way. */
  signal?: AbortSignal
}

export async function openPostgresStore(url: string, options: PostgresOpenOptions = {}): Promise<PostgresEventStore> {
  const location = shownStoreLocation(url)
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ConfigError(`The event store ${location} is not a valid PostgreSQL URL.`, 'Write it as postgres://USER@HOST:PORT/DATABASE (percent-encode special characters).')
  }
  checkTlsFiles(parsed, location)
  const connectionString = withLibpqSslModes(parsed)
  const [{ default: pg }, { Socket }] = await Promise.all([import('pg'), import('node:net')])
  checkUrlParameters(pg.Client, connectionString, location, parsed)
  // pg leaves the socket of a connection that failed authentication open, which would keep
  // the process alive: every socket is tracked and destroyed when the store closes or fails.
  const sockets = new Set<InstanceType<typeof Socket>>()
  const trackedSocket = () => {
    const socket = new Socket()
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    return socket
  }
  const pool = new pg.Pool({
    connectionString,
    max: options.connections ?? 1,
    application_name: 'sms-kannel',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    stream: trackedSocket,
    ...(options.asyncCommit ? { options: '-c synchronous_commit=off' } : {}),
    // The server cancels a slow statement or lock wait cleanly; the client stops waiting on a
    // connection that went silent (half-open) a little later.
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs, lock_timeout: options.statementTimeoutMs, query_timeout: options.statementTimeoutMs + 1000 } : {}),
  })
  const destroySockets = () => {
    for (const socket of sockets) socket.destroy()
  }
  options.signal?.addEventListener('abort', destroySockets, { once: true })
  const shutDown = async () => {
    options.signal?.removeEventListener('abort', destroySockets)
    // pool.end() waits for the server's goodbye, which a dead connection never sends.
    if (options.signal?.aborted) destroySockets()
    await pool.end().catch(() => undefined)
    destroySockets()
  }
  // An idle connection that breaks (server restart) is replaced on the next query.
  pool.on('error', () => undefined)
  const fail = (error: unknown): never => {
    throw toPostgresStoreError(error, location, parsed)
  }
  const guard = async <T>(work: () => Promise<T>): Promise<T> => work().catch(fail)
  try {
    await migrate(pool)
  } catch (error) {
    await shutDown()
    fail(error)
  }

  const insertEvents = async (client: Pool | PoolClient, events: readonly DeliveryEvent[], forward: readonly boolean[]): Promise<boolean[]> => {
    if (events.length === 0) return []
    const rows = JSON.stringify(events.map((event, index) => eventRow(event, forward[index]!)))
    // Rows as arrays: pg builds no object per returned id.
    const { rows: inserted } = await client.query<[string]>({ name: 'insert-events', text: INSERT_EVENTS, values: [rows], rowMode: 'array' })
    // The first of an id in this group is the one inserted; a repeat in the same group is not.
    const fresh = new Set(inserted.map((row) => row[0]))
    return events.map((event) => fresh.delete(event.eventId.toLowerCase()))
  }
  const insertRejects = (client: PoolClient, rejects: readonly Reject[]) =>
    rejects.length === 0 ? undefined : client.query(
      `INSERT INTO rejects (identity, line, path, reason, raw)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[])
       ON CONFLICT DO NOTHING`,
      [rejects.map((r) => r.identity), rejects.map((r) => r.line), rejects.map((r) => r.path), rejects.map((r) => r.reason), rejects.map((r) => text(r.raw))],
    )
  const selectProgress = async (where: string, value: string): Promise<ReplayProgress[]> => {
    const { rows } = await pool.query<Omit<ReplayProgress, 'byteOffset' | 'line' | 'headBytes'> & { byteOffset: string; line: string; headBytes: string }>(
      `SELECT identity, path, byte_offset AS "byteOffset", line, first_line AS "firstLine", head_bytes AS "headBytes", head_hash AS "headHash"
       FROM replay_files WHERE ${where}`,
      [value],
    )
    // BIGINT columns come back as strings.
    return rows.map((row) => ({ ...row, byteOffset: Number(row.byteOffset), line: Number(row.line), headBytes: Number(row.headBytes) }))
  }
  const inTransaction = async <T>(work: (client: PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect()
    // A connection that breaks between two statements (a database restart) emits an error the
    // pool does not catch for a client in use: it fails the next statement instead.
    const ignore = () => undefined
    client.on('error', ignore)
    let broken: Error | undefined
    try {
      await client.query('BEGIN')
      const result = await work(client)
      await client.query('COMMIT')
      return result
    } catch (error) {
      broken = error as Error
      await client.query('ROLLBACK').catch(() => undefined)
      throw error
    } finally {
      client.off('error', ignore)
      // After a failure the connection may be dead: the pool opens a new one rather than reuse it.
      client.release(broken)
    }
  }

  const recordSends = (sends: readonly SendRecord[]) =>
    guard(async () => {
      // ON CONFLICT DO UPDATE may touch a row once per statement: the last of a message id wins.
      const latest = [...new Map(sends.map((send) => [send.messageId, send])).values()]
      for (let start = 0; start < latest.length; start += GROUP) {
        const group = latest.slice(start, start + GROUP)
        await pool.query(
          `INSERT INTO sends (message_id, sequence, recipient, sent_at, outcome, gateway, provider, provider_id)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
           ON CONFLICT (message_id) DO UPDATE SET sequence = excluded.sequence, recipient = excluded.recipient,
             sent_at = excluded.sent_at, outcome = excluded.outcome, gateway = excluded.gateway,
             provider = excluded.provider, provider_id = excluded.provider_id`,
          [
            group.map((send) => send.messageId), group.map((send) => send.sequence), group.map((send) => send.recipient), group.map((send) => send.sentAt),
            group.map((send) => send.outcome), group.map((send) => send.gateway), group.map((send) => send.provider ?? 'kannel'), group.map((send) => send.providerId ?? null),
          ],
        )
      }
    })

  return {
    location,
    localPath: undefined,
    exclusiveReplay: async (work) => {
      // A session lock on a connection of its own: the server drops it if this node dies.
      const holder = new pg.Client({ connectionString, application_name: 'sms-kannel replay lock', stream: trackedSocket })
      await guard(async () => {
        await holder.connect()
        const { rows } = await holder.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(hashtext('sms-kannel replay')) AS locked`)
        if (!rows[0]?.locked) throw new BusyError(`Another replay (on this node or another) is using ${location}.`, 'Try again when it has finished.')
      }).catch(async (error: unknown) => {
        await holder.end().catch(() => undefined)
        throw error
      })
      try {
        return await work()
      } finally {
        await holder.end().catch(() => undefined)
      }
    },
    recordSend: (send) => recordSends([send]),
    recordSends,
    beginBatch: (forward) => {
      let events: DeliveryEvent[] = []
      let forwards: boolean[] = []
      let rejects: Reject[] = []
      const writer: EventWriter = {
        add: (event, forwardThis = forward) => {
          events.push(event)
          forwards.push(forwardThis)
        },
        reject: (reject) => void rejects.push(reject),
        commit: (progress) => {
          if (events.length === 0 && rejects.length === 0 && !progress) return Promise.resolve([])
          // One statement is a transaction of its own: serve's groups take one round trip, not three.
          if (events.length <= GROUP && rejects.length === 0 && !progress) {
            return guard(() => insertEvents(pool, events, forwards)).finally(() => {
              ;[events, forwards, rejects] = [[], [], []]
            })
          }
          return guard(() =>
            inTransaction(async (client) => {
              const fresh: boolean[] = []
              for (let start = 0; start < Math.max(events.length, rejects.length); start += GROUP) {
                fresh.push(...(await insertEvents(client, events.slice(start, start + GROUP), forwards.slice(start, start + GROUP))))
                await insertRejects(client, rejects.slice(start, start + GROUP))
              }
              if (progress) {
                await client.query(
                  `INSERT INTO replay_files (identity, path, byte_offset, line, first_line, head_bytes, head_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)
                   ON CONFLICT (identity) DO UPDATE SET path = excluded.path, byte_offset = excluded.byte_offset, line = excluded.line,
                     first_line = excluded.first_line, head_bytes = excluded.head_bytes, head_hash = excluded.head_hash`,
                  [progress.identity, progress.path, progress.byteOffset, progress.line, progress.firstLine, progress.headBytes, progress.headHash],
                )
              }
              return fresh
            }),
          ).finally(() => {
            ;[events, forwards, rejects] = [[], [], []]
          })
        },
        abandon: async () => {
          ;[events, forwards, rejects] = [[], [], []]
        },
      }
      return writer
    },
    progressFor: (identity) => guard(async () => (await selectProgress('identity = $1', identity))[0]),
    progressCandidates: (firstLine) => guard(() => selectProgress('first_line = $1 ORDER BY head_bytes DESC', firstLine)),
    rejectsFor: async function* (identities) {
      for (const identity of new Set(identities)) {
        // Pages along the primary key: a replay can have millions of rejects.
        for (let after = 0; ; ) {
          const { rows } = await guard(() =>
            pool.query<{ identity: string; line: string; path: string; reason: string; raw: string }>(
              'SELECT identity, line, path, reason, raw FROM rejects WHERE identity = $1 AND line > $2 ORDER BY line LIMIT 1000',
              [identity, after],
            ),
          )
          if (rows.length === 0) break
          for (const row of rows) yield { ...row, line: Number(row.line) }
          after = Number(rows.at(-1)!.line)
        }
      }
    },
    pendingForwards: (afterEventId, limit) =>
      guard(async () => {
        const { rows } = await pool.query<{ eventId: string; raw: string }>(
          `SELECT upper(encode(event_id, 'hex')) AS "eventId", raw FROM events
           WHERE forward_state = 'pending' AND event_id > decode($1, 'hex') ORDER BY event_id LIMIT $2`,
          [afterEventId, limit],
        )
        return rows
      }),
    markForwarded: (eventIds) =>
      guard(async () => {
        await pool.query(`UPDATE events SET forward_state = 'done' WHERE event_id IN (SELECT decode(id, 'hex') FROM unnest($1::text[]) AS id)`, [eventIds])
      }),
    find: (key) =>
      guard(async () => {
        const [sends, events] = await Promise.all([
          pool.query<SendRecord>(
            `SELECT message_id AS "messageId", sequence, recipient, sent_at AS "sentAt", outcome, gateway, provider, provider_id AS "providerId"
             FROM sends WHERE message_id = $1 OR sequence = $1`,
            [key],
          ),
          pool.query<StoredEvent>(
            `SELECT encode(event_id, 'hex') AS "eventId", message_id AS "messageId", sequence, dlr, status, smsc_id AS "smscId",
               smsc_message_id AS "smscMessageId", smsc_reply AS "smscReply", gateway_time AS "gatewayTime", received_at AS "receivedAt"
             FROM events WHERE message_id = $1 OR sequence = $1
               OR message_id IN (SELECT message_id FROM sends WHERE sequence = $1)`,
            [key],
          ),
        ])
        return { sends: sends.rows, events: events.rows }
      }),
    sendsAwaitingReports: (provider, sinceIso) =>
      guard(async () => {
        const { rows } = await pool.query<AwaitedSend>(
          `SELECT message_id AS "messageId", sequence, provider_id AS "providerId" FROM sends
           WHERE provider = $1 AND sent_at >= $2 AND provider_id IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM events WHERE events.message_id = sends.message_id AND status IN ('delivered', 'undelivered', 'rejected'))
           ORDER BY sent_at`,
          [provider, sinceIso],
        )
        return rows
      }),
    flushCommits: () =>
      guard(() =>
        inTransaction(async (client) => {
          // Only a transaction that wrote WAL waits for the disk at commit (an id alone does not): a transactional message is such a write, and tables need none.
          await client.query('SET LOCAL synchronous_commit = on')
          const { rows } = await client.query<{ started: string }>("SELECT pg_logical_emit_message(true, 'sms-kannel', 'flush'), pg_postmaster_start_time()::text AS started")
          return rows[0]!.started
        }),
      ),
    exportRows: (table, after, limit) => guard(() => exportRows(pool, table, after, limit)),
    importRows: (table, rows) => guard(() => inTransaction((client) => importRows(client, table, rows))),
    reportGroups: (boundaries) => guard(() => postgresReportGroups(pool, boundaries)),
    close: shutDown,
  }
}

/** Runs the migrations not yet run, exactly once however many processes start together. */
async function migrate(pool: Pool): Promise<void> {
  const current = async (client: Pool | PoolClient): Promise<number> => {
    const { rows: [table] } = await client.query<{ exists: boolean }>(`SELECT to_regclass('schema_version') IS NOT NULL AS exists`)
    if (!table?.exists) return 0
    const { rows } = await client.query<{ version: number }>('SELECT coalesce(max(version), 0) AS version FROM schema_version')
    return rows[0]?.version ?? 0
  }
  const tooNew = (version: number) => {
    if (version > MIGRATIONS.length) throw Object.assign(new Error('newer schema'), { code: 'SMSKANNEL_NEWER_SCHEMA' })
  }
  // Up to date (the usual case): no lock, and no CREATE privilege needed.
  const seen = await current(pool)
  tooNew(seen)
  if (seen === MIGRATIONS.length) return
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    // Held until COMMIT: a second process waits here, then finds the work done.
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('sms-kannel schema'))`)
    await client.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())')
    const applied = await current(client)
    tooNew(applied)
    for (let version = applied; version < MIGRATIONS.length; version++) {
      await client.query(MIGRATIONS[version]!)
      await client.query('INSERT INTO schema_version (version) VALUES ($1)', [version + 1])
    }
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
}

/**
 * PostgreSQL's text may not hold NUL, which a hostile line can, nor its JSON a lone surrogate:
 * each is kept visibly as U+FFFD (as UTF-8 encoding does to a lone surrogate anyway).
 */
function text(value: string): string
function text(value: string | null): string | null
function text(value: string | null): string | null {
  if (value === null) return null
  const wellFormed = (value as string & { toWellFormed(): string }).toWellFormed()
  return wellFormed.includes('\u0000') ? wellFormed.replaceAll('\u0000', '\uFFFD') : wellFormed
}

function eventRow(event: DeliveryEvent, forward: boolean): Record<(typeof EVENT_COLUMNS)[number], string | number | null> {
  return {
    event_id: event.eventId,
    message_id: text(event.messageId),
    sequence: text(event.sequence),
    dlr: event.dlr,
    status: event.status,
    recipient: text(event.recipient),
    sender: text(event.sender),
    smsc_id: text(event.smscId),
    smsc_message_id: text(event.smscMessageId),
    smsc_reply: text(event.smscReply?.raw ?? null),
    gateway_time: text(event.gatewayTime),
    received_at: event.receivedAt,
    source: text(JSON.stringify(event.source)),
    raw: text(event.raw),
    // Only query-string reports can be re-delivered; bearerbox log lines cannot.
    forward_state: forward && event.rawFormat === 'query' ? 'pending' : null,
  }
}

/** A table's rows after `after` (its key, in key order), event ids as hex: for `store copy`. */
async function exportRows(pool: Pool, table: StoreTable, after: StoreRow | undefined, limit: number): Promise<StoreRow[]> {
  const { key, columns } = STORE_TABLES[table]
  const select = columns.map((column) => (column === 'event_id' ? `encode(event_id, 'hex') AS event_id` : column)).join(', ')
  const keyValue = (column: string, index: number) => (column === 'event_id' ? `decode($${index + 1}, 'hex')` : `$${index + 1}`)
  const where = after ? `WHERE (${key.join(', ')}) > (${key.map(keyValue).join(', ')})` : ''
  const { rows } = await pool.query<StoreRow>(
    `SELECT ${select} FROM ${table} ${where} ORDER BY ${key.join(', ')} LIMIT ${Number(limit)}`,
    after ? key.map((column) => after[column]) : [],
  )
  // BIGINT columns come back as strings; the rows carry numbers as SQLite's do.
  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([column, value]) => [column, column === 'byte_offset' || column === 'line' || column === 'head_bytes' ? Number(value) : value])))
}

/** Inserts rows that are not there yet (by key); how many were new. */
async function importRows(client: PoolClient, table: StoreTable, rows: readonly StoreRow[]): Promise<number> {
  if (rows.length === 0) return 0
  const { key, columns, types } = STORE_TABLES[table]
  const arrays = columns.map((column) => rows.map((row) => (typeof row[column] === 'string' ? text(row[column] as string) : row[column])))
  const select = columns.map((column) => (column === 'event_id' ? `decode(event_id, 'hex')` : column)).join(', ')
  const unnest = columns.map((column, index) => `$${index + 1}::${types[index] === 'integer' ? 'bigint' : 'text'}[]`).join(', ')
  const result = await client.query(
    `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${select} FROM unnest(${unnest}) AS t(${columns.join(', ')})
     ON CONFLICT (${key.join(', ')}) DO NOTHING`,
    arrays,
  )
  return result.rowCount ?? 0
}

/**
 * sslmode as libpq means it (require: encrypted, not verified; verify-ca; verify-full), which
 * pg 8 follows only when asked: otherwise it verifies fully, and a private CA's server fails.
 */
function withLibpqSslModes(url: URL): string {
  if (!url.searchParams.has('sslmode') || url.searchParams.has('uselibpqcompat')) return url.href
  const adjusted = new URL(url.href)
  adjusted.searchParams.set('uselibpqcompat', 'true')
  // pg cannot fall back to plain text, and would verify fully under `allow`: it is `prefer` here.
  if (adjusted.searchParams.get('sslmode') === 'allow') adjusted.searchParams.set('sslmode', 'prefer')
  return adjusted.href
}

/** pg reads these files itself when it connects; a missing one is named before that. */
function checkTlsFiles(url: URL, location: string): void {
  for (const parameter of ['sslrootcert', 'sslcert', 'sslkey']) {
    const file = url.searchParams.get(parameter)
    if (file === null) continue
    try {
      closeSync(openSync(file, 'r'))
    } catch (error) {
      throw new ConfigError(`The event store ${location} cannot be used: its ${parameter} ${file} cannot be read (${describeFileError(errorCodeOf(error))}).`, `Fix ${parameter} in the URL.`)
    }
  }
}

/**
 * pg parses the URL's parameters only when it connects, and its complaints (verify-ca without
 * sslrootcert, a bad port) would read as an outage: they are configuration mistakes, named first.
 */
function checkUrlParameters(Client: new (config: { connectionString: string }) => unknown, connectionString: string, location: string, url: URL): void {
  try {
    new Client({ connectionString })
  } catch (error) {
    const what = (detail: string, hint: string) => new ConfigError(`The event store ${location} cannot be used: ${detail}.`, hint)
    const message = error instanceof Error ? error.message : String(error)
    if (/verify-ca requires/i.test(message)) throw what('sslmode=verify-ca needs sslrootcert, the CA to check the server\'s certificate against', 'Add sslrootcert=/path/to/ca.pem to the URL, or use sslmode=verify-full to check against the system\'s CAs and the host name.')
    const code = errorCodeOf(error)
    const detail = code ? describeFileError(code) : message.split(/(?<=\.) /)[0]!.replace(/\.$/, '')
    const hidden = [url.password, ...storeUrlPasswords(url.href)].filter(Boolean).reduce((text, secret) => text.replaceAll(secret, '***'), detail)
    throw what(`its URL's parameters are not valid (${hidden})`, 'Fix the parameters after ? in the URL (sslmode, sslrootcert, sslcert, sslkey, port).')
  }
}

/** pg's failures named so an admin can act: the server, the network, or the configuration. */
export function toPostgresStoreError(error: unknown, location: string, url: URL): Error {
  const code = String((error as { code?: unknown }).code ?? '')
  const message = error instanceof Error ? error.message : ''
  const where = `${url.hostname || 'localhost'}:${url.port || '5432'}`
  const config = (what: string, hint: string) => new ConfigError(`The event store ${location} cannot be used: ${what}.`, hint)
  const store = (what: string) => new StoreError(`The event store ${location} cannot be used: ${what}.`, 'Check that PostgreSQL runs and is reachable from this node, then retry.')
  if (code === '28P01') return config('PostgreSQL refused the password', 'Put the right password in the URL, PGPASSWORD or ~/.pgpass.')
  if (/password must be a string|no password supplied/i.test(message)) return config('PostgreSQL asks for a password and none was given', 'Put the password in the URL, PGPASSWORD or ~/.pgpass.')
  if (code === '28000') return config('PostgreSQL does not let this role in from here (pg_hba.conf)', 'Ask the database admin to allow this role and host.')
  if (code === '3D000') return config('the database does not exist', 'Create it (createdb -O ROLE NAME) or fix the database name in smskannel.store.')
  if (code === '42501') return config('the role lacks a privilege it needs', 'See "PostgreSQL for clusters" in the README for the privileges sms-kannel needs.')
  if (code === 'SMSKANNEL_NEWER_SCHEMA') return config('its schema is newer than this sms-kannel', 'Update sms-kannel on this node.')
  if (code === 'ECONNREFUSED') return store(`nothing answers at ${where} (is PostgreSQL running there?)`)
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return store(`the host ${url.hostname} does not resolve`)
  if (code === '55P03' || code === '57014') return store('a statement waited too long (a lock another session holds, or a busy server)')
  if (code === 'ETIMEDOUT' || /timeout/i.test(message)) return store(`${where} did not answer in time`)
  if (code === 'ECONNRESET' || code === 'EPIPE' || /Connection terminated/i.test(message)) return store('the connection to PostgreSQL broke')
  if (code.startsWith('57P') || code.startsWith('08')) return store('PostgreSQL is shutting down, starting or unreachable')
  if (code === '53100') return store('the database server\'s disk is full')
  if (code === '53300') return store('PostgreSQL has no connection left (max_connections)')
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return config(`the certificate of ${where} is not made out to ${url.hostname}`, 'Connect by the host name in the server\'s certificate, or have the certificate reissued.')
  if (/^CERT_|^DEPTH_ZERO|^SELF_SIGNED|^UNABLE_TO/.test(code)) return config(`the certificate of ${where} is not trusted (${code})`, 'Set sslrootcert in the URL to the CA that signed the server\'s certificate.')
  if (/server does not support SSL/i.test(message)) return config(`${where} does not offer TLS, which sslmode asks for`, 'Turn ssl on in the server, or change sslmode in the URL.')
  if (/SSL|TLS|certificate/i.test(message) || /^ERR_TLS|^ERR_SSL/.test(code)) return store(`TLS to ${where} failed (${code || 'see sslmode in the URL'})`)
  if (/^[0-9A-Z]{5}$/.test(code) || /^E[A-Z]+$/.test(code)) return store(`PostgreSQL failed (${code})`)
  return error as Error
}
