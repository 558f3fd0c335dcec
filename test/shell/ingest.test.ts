/** The one ingestion pipeline, into a real SQLite store. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import type { ParseContext } from '../../src/core/dlr.js'
import { DLR_PARAMS } from '../../src/core/kannel-request.js'
import { createIngest, ingestLines, type SourcedLine } from '../../src/shell/ingest.js'
import { openStore, type EventStore } from '../../src/shell/store.js'

const opened: EventStore[] = []
afterEach(() => opened.splice(0).forEach((store) => store.close()))

async function setup() {
  const store = await openStore(join(mkdtempSync(join(tmpdir(), 'sms-kannel-ingest-')), 'events.db'))
  opened.push(store)
  const context: ParseContext = { names: { ...DLR_PARAMS }, feedbackPath: '/smsKannelfeedback', receivedAt: new Date('2026-11-28T12:00:00Z'), source: { kind: 'argument', index: 0 } }
  return { store, context }
}

const line = (text: string, index: number, receivedAt?: Date): SourcedLine => ({ text, source: { kind: 'argument', index }, ...(receivedAt ? { receivedAt } : {}) })
const report = (id: string, dlr = 1) => `seq=s-${id}&msgid=${id}&dlr=${dlr}&time=1795858642`

it('stores each admitted report once, commits every batch, and counts every line in one tally', async () => {
  const { store, context } = await setup()
  const ingest = createIngest({ store, rules: { secret: undefined, acceptUnsigned: false, forward: false }, context })
  const lines = [report('a'), report('b'), report('a'), 'not a report', '', report('c'), report('b', 8)].map((text, index) => line(text, index + 1))
  const tally = await ingestLines(ingest, context, lines, { batchEvents: 2 })
  expect(tally).toEqual({ lines: 7, new: 4, duplicates: 1, bad: 1, skipped: 1, refused: 0, acceptedUnsigned: 0, answeredNon2xx: 0 })
  expect(store.find('b').events.map((event) => event.dlr).sort()).toEqual([1, 8])
  expect(ingest.pendingLines).toBe(0)
})

it('gives each line its own source and receive time, or the run\'s', async () => {
  const { store, context } = await setup()
  const ingest = createIngest({ store, rules: { secret: undefined, acceptUnsigned: false, forward: false }, context })
  await ingestLines(ingest, context, [line(report('t1'), 1, new Date('2026-11-28T09:00:00Z')), line(report('t2'), 2)], { batchEvents: 100 })
  expect(store.find('t1').events[0]!.receivedAt).toBe('2026-11-28T09:00:00.000Z')
  expect(store.find('t2').events[0]!.receivedAt).toBe('2026-11-28T12:00:00.000Z')
})

it('stops reading when told, keeping what was read; abandon drops what was not committed', async () => {
  const { store, context } = await setup()
  const ingest = createIngest({ store, rules: { secret: undefined, acceptUnsigned: false, forward: false }, context })
  let read = 0
  const tally = await ingestLines(ingest, context, [report('s1'), report('s2'), report('s3')].map((text, index) => line(text, index + 1)), {
    batchEvents: 100,
    stopped: () => read === 2,
    onVerdict: () => void read++,
  })
  expect(tally).toMatchObject({ lines: 2, new: 2 })
  expect(store.find('s3').events).toEqual([])

  context.source = { kind: 'argument', index: 9 }
  ingest.line(report('dropped'))
  expect(ingest.pendingEvents).toBe(1)
  await ingest.abandon()
  await ingest.commit()
  expect(store.find('dropped').events).toEqual([])
})

it('without a store, parses and counts only', async () => {
  const { context } = await setup()
  const ingest = createIngest({ store: undefined, rules: { secret: undefined, acceptUnsigned: false, forward: false }, context })
  expect(await ingestLines(ingest, context, [line(report('x'), 1), line('junk', 2)], { batchEvents: 1 })).toMatchObject({ lines: 2, new: 0, duplicates: 0, bad: 1 })
})
