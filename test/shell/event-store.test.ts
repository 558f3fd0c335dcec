/** One store suite, two back ends: SQLite (embedded) and PostgreSQL (a real server). */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { parseDlrLine, type DeliveryEvent } from '../../src/core/dlr.js'
import { DLR_PARAMS } from '../../src/core/kannel-request.js'
import { openEventStore, storeEvents, type SharedEventStore } from '../../src/shell/event-store.js'
import { describeWithPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.js'

function report(query: string, line = 1): DeliveryEvent {
  const parsed = parseDlrLine(query, {
    receivedAt: new Date('2026-11-28T12:00:00Z'),
    source: { kind: 'file', file: '/var/log/dlrs.txt', line },
    names: { ...DLR_PARAMS },
    feedbackPath: '/smsKannelfeedback',
  })
  if (parsed.kind !== 'event') throw new Error(`not a report: ${query}`)
  return parsed.event
}

const delivered = (id: string, time = 1795858642) => report(`seq=s-${id}&msgid=${id}&dlr=1&time=${time}`)
const accepted = (id: string, time = 1795858600) => report(`seq=s-${id}&msgid=${id}&dlr=8&time=${time}`)
const send = (id: string) => ({ messageId: id, sequence: `s-${id}`, recipient: '+49151****567', sentAt: '2026-11-28T11:59:58Z', outcome: 'accepted', gateway: 'http://127.0.0.1:13013/', provider: 'kannel', providerId: null })
/** A replay checkpoint: the file's identity, where it got to, and the head it recognises the file by. */
const progress = (identity: string, byteOffset: number, line: number, firstLine = `first-${identity}`) => ({ identity, path: '/var/log/dlrs.txt', byteOffset, line, firstLine, headBytes: Math.min(byteOffset, 8192), headHash: `head-${identity}` })

interface Backend {
  name: string
  /** A fresh, empty store's location. */
  fresh(): Promise<string>
}

function storeSuite(backend: () => Backend): void {
  const opened: SharedEventStore[] = []
  const open = async (location?: string) => {
    const store = await openEventStore(location ?? (await backend().fresh()))
    opened.push(store)
    return store
  }
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close()
  })

  it('stores an event once however often it is added', async () => {
    const store = await open()
    expect(await storeEvents(store, [delivered('m1'), accepted('m1')], false)).toEqual([true, true])
    expect(await storeEvents(store, [delivered('m1'), delivered('m2'), delivered('m2')], false)).toEqual([false, true, false])
    expect((await store.find('m1')).events.map((event) => event.dlr).sort()).toEqual([1, 8])
  })

  it('keeps quotes, backslashes, control characters and non-ASCII text; NUL and a lone surrogate only as U+FFFD in PostgreSQL', async () => {
    const store = await open()
    const odd = { ...delivered('odd'), smscId: 'sm"sc\\1\u0001\u00fc\u20ac', gatewayTime: 'a\u0000b\uD800' }
    expect(await storeEvents(store, [odd, odd], false)).toEqual([true, false])
    const [found] = (await store.find('odd')).events
    expect(found?.smscId).toBe('sm"sc\\1\u0001\u00fc\u20ac')
    // SQLite keeps NUL; what it makes of a lone surrogate is its own affair.
    if (backend().name === 'postgres') expect(found?.gatewayTime).toBe('a\uFFFDb\uFFFD')
    else expect(found?.gatewayTime).toMatch(/^a\u0000b/)
  })

  it('takes a spool\'s worth of sends at once, the last record of a message id winning', async () => {
    const store = await open()
    const many = Array.from({ length: 2500 }, (_, index) => send(`bulk-${index}`))
    await store.recordSends([...many, { ...send('bulk-7'), outcome: 'queued' }])
    expect((await store.find('bulk-7')).sends).toEqual([{ ...send('bulk-7'), outcome: 'queued' }])
    expect((await store.find('bulk-2499')).sends).toEqual([send('bulk-2499')])
  })

  it('joins a send and its reports by message id, and finds them by sequence too', async () => {
    const store = await open()
    await store.recordSend(send('m7'))
    await store.recordSend({ ...send('m7'), outcome: 'queued' })
    await storeEvents(store, [delivered('m7'), delivered('other')], false)
    for (const key of ['m7', 's-m7']) {
      const found = await store.find(key)
      expect(found.sends).toEqual([{ ...send('m7'), outcome: 'queued' }])
      expect(found.events).toEqual([expect.objectContaining({ messageId: 'm7', sequence: 's-m7', dlr: 1, status: 'delivered', eventId: delivered('m7').eventId })])
    }
    expect(await store.find('nothing')).toEqual({ sends: [], events: [] })
  })

  it('commits a batch with its progress and rejects, and abandons one without a trace', async () => {
    const store = await open()
    const batch = await store.beginBatch(false)
    for (let i = 0; i < 2500; i++) await batch.add(delivered(`b${i}`))
    await batch.add(delivered('b0'))
    await batch.reject({ identity: 'file-1', line: 7, path: '/var/log/dlrs.txt', reason: 'not a DLR', raw: 'garbage\u0000' })
    await batch.reject({ identity: 'file-1', line: 3, path: '/var/log/dlrs.txt', reason: 'not a DLR', raw: 'more' })
    const fresh = await batch.commit(progress('file-1', 123_456_789_012, 2503))
    expect(fresh).toHaveLength(2501)
    expect(fresh.filter(Boolean)).toHaveLength(2500)
    expect(fresh.at(-1)).toBe(false)
    expect(await store.progressFor('file-1')).toEqual(progress('file-1', 123_456_789_012, 2503))
    const rejects = []
    for await (const reject of store.rejectsFor(['file-1', 'file-1', 'unknown'])) rejects.push(reject)
    expect(rejects.map((reject) => reject.line)).toEqual([3, 7])

    const dropped = await store.beginBatch(false)
    await dropped.add(delivered('never'))
    await dropped.abandon()
    await dropped.abandon()
    expect((await store.find('never')).events).toEqual([])
    expect(await store.progressFor('file-2')).toBeUndefined()
    expect((await store.find('b2499')).events).toHaveLength(1)
  })

  it('finds the files seen before by their first line, the longest recorded head first', async () => {
    const store = await open()
    for (const [identity, byteOffset] of [['short', 100], ['long', 9000], ['other', 50]] as const) {
      const batch = store.beginBatch(false)
      await batch.commit(progress(identity, byteOffset, 3, identity === 'other' ? 'first-other' : 'shared'))
    }
    expect((await store.progressCandidates('shared')).map((seen) => [seen.identity, seen.headBytes])).toEqual([['long', 8192], ['short', 100]])
    expect(await store.progressCandidates('unseen')).toEqual([])
  })

  it('lists a provider\'s sends that still await a final report, oldest first', async () => {
    const store = await open()
    const sms4de = (id: string, sentAt: string) => ({ ...send(id), sentAt, provider: 'sms4de', providerId: `p-${id}` })
    await store.recordSend(sms4de('late', '2026-11-28T11:00:00Z'))
    await store.recordSend(sms4de('early', '2026-11-28T10:00:00Z'))
    await store.recordSend(sms4de('done', '2026-11-28T10:30:00Z'))
    await store.recordSend(sms4de('old', '2026-11-27T10:00:00Z'))
    await store.recordSend(send('kannel-only'))
    await storeEvents(store, [delivered('done'), accepted('early')], false)
    expect(await store.sendsAwaitingReports('sms4de', '2026-11-28T00:00:00Z')).toEqual([
      { messageId: 'early', sequence: 's-early', providerId: 'p-early' },
      { messageId: 'late', sequence: 's-late', providerId: 'p-late' },
    ])
    expect((await store.find('late')).sends).toEqual([sms4de('late', '2026-11-28T11:00:00Z')])
  })

  it('keeps query reports to forward until they are marked, in pages', async () => {
    const store = await open()
    // A bearerbox log line cannot be re-delivered: never pending.
    const logLine = report('2026-11-28 09:38:09 Receive DLR [SMSC:fake1] [SVC:tester] [ACT:] [BINF:] [FID:3826dcc3] [META:?orig_msg?dlr_mask=9&] [from:13013] [to:600] [flags:-1:-1:-1:-1:1] [msg:0:] [udh:0:]')
    const fresh = await storeEvents(store, [delivered('f1'), delivered('f2'), delivered('f3'), logLine], true)
    expect(fresh.every(Boolean)).toBe(true)
    const first = await store.pendingForwards('', 2)
    const rest = await store.pendingForwards(first.at(-1)!.eventId, 10)
    const all = [...first, ...rest]
    expect(all.map((pending) => pending.raw).sort()).toEqual([delivered('f1').raw, delivered('f2').raw, delivered('f3').raw].sort())
    await store.markForwarded(all.slice(0, 2).map((pending) => pending.eventId))
    expect((await store.pendingForwards('', 10)).map((pending) => pending.eventId)).toEqual([all[2]!.eventId])
  })

  it('opens an existing store again with its contents', async () => {
    const location = await backend().fresh()
    const first = await open(location)
    await storeEvents(first, [delivered('kept')], false)
    await first.close()
    opened.splice(opened.indexOf(first), 1)
    const again = await open(location)
    expect((await again.find('kept')).events).toHaveLength(1)
    expect(await storeEvents(again, [delivered('kept')], false)).toEqual([false])
  })

  it('runs one replay at a time: another, through another opening of the store, is refused until the first is done', async () => {
    const location = await backend().fresh()
    const [first, second] = [await open(location), await open(location)]
    let release = () => undefined as void
    let started = () => undefined as void
    const working = new Promise<void>((resolve) => (started = resolve))
    // The work starts once the lock is held.
    const holding = first.exclusiveReplay(() => {
      started()
      return new Promise<string>((resolve) => (release = () => resolve('first done')))
    })
    await working
    await expect(second.exclusiveReplay(async () => 'second ran')).rejects.toMatchObject({ exitCode: 75, message: expect.stringMatching(/^Another replay/) })
    release()
    expect(await holding).toBe('first done')
    expect(await second.exclusiveReplay(async () => 'second ran')).toBe('second ran')
    // A failed replay lets the next one run.
    await expect(first.exclusiveReplay(async () => Promise.reject(new Error('replay failed')))).rejects.toThrow('replay failed')
    expect(await second.exclusiveReplay(async () => 'ran again')).toBe('ran again')
  })

  it('names itself without a password, and says whether it is a local file', async () => {
    const location = await backend().fresh()
    const store = await open(location)
    expect(store.location).not.toContain('s3cret')
    expect(store.localPath).toBe(backend().name === 'sqlite' ? location : undefined)
  })

  it('exports and imports rows by key, idempotently', async () => {
    const [from, to] = [await open(), await open()]
    await from.recordSend(send('c1'))
    await storeEvents(from, [delivered('c1'), accepted('c1')], true)
    const batch = await from.beginBatch(false)
    await batch.reject({ identity: 'f', line: 1, path: '/x', reason: 'bad', raw: 'x' })
    await batch.commit(progress('f', 10, 2))
    for (const table of ['sends', 'events', 'replay_files', 'rejects'] as const) {
      const rows = await from.exportRows(table, undefined, 100)
      expect(await to.importRows(table, rows)).toBe(rows.length)
      expect(await to.importRows(table, rows)).toBe(0)
      expect(await to.exportRows(table, undefined, 100)).toEqual(rows)
      expect(await from.exportRows(table, rows[0], 100)).toEqual(rows.slice(1))
    }
    const byId = (found: Awaited<ReturnType<SharedEventStore['find']>>) => ({ ...found, events: found.events.sort((a, b) => a.eventId.localeCompare(b.eventId)) })
    expect(byId(await to.find('c1'))).toEqual(byId(await from.find('c1')))
    expect(await to.pendingForwards('', 10)).toHaveLength(2)
  })
}

describe('the SQLite store', () => {
  storeSuite(() => ({ name: 'sqlite', fresh: async () => join(mkdtempSync(join(tmpdir(), 'sms-kannel-store-')), 'events.db') }))
})

describeWithPostgres('the PostgreSQL store', () => {
  let server: PostgresServer
  beforeAll(async () => {
    server = await startPostgres()
  })
  afterAll(() => server?.stop())
  storeSuite(() => ({ name: 'postgres', fresh: () => server.createDatabase() }))

  it('creates the schema exactly once when several processes open a new database together', async () => {
    const url = await server.createDatabase()
    const stores = await Promise.all(Array.from({ length: 6 }, () => openEventStore(url)))
    await Promise.all(stores.map((store, index) => storeEvents(store, [delivered(`together-${index}`)], false)))
    const { default: pg } = await import('pg')
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    const { rows } = await client.query('SELECT version FROM schema_version')
    await client.end()
    await Promise.all(stores.map((store) => store.close()))
    expect(rows.map((row: { version: number }) => row.version).sort()).toEqual([1, 2, 3])
  })
})
