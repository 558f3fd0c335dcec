/**
 * With a secret set, what can a captured callback URL still do? The README's threat model
 * says: claim another DLR type for that one message, once per type. These properties try
 * every way of changing or adding parameters and check that nothing gets further.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DLR_TYPES, parseDlrLine, type ParseContext } from '../../src/core/dlr.js'
import { admitReport } from '../../src/core/event-identity.js'
import { buildDlrUrl, DLR_PARAMS } from '../../src/core/kannel-request.js'
import { openStore, type EventStore } from '../../src/shell/store.js'
import { storeEvents } from '../../src/shell/event-store.js'

const SECRET = 'property-secret-0123456789abcdef'
const MESSAGE = '019ad0c4-1f2e-7a3b-8c4d-5e6f7a8b9c0d'
const context: ParseContext = {
  receivedAt: new Date('2026-11-28T10:00:00Z'),
  source: { kind: 'stdin', line: 1 },
  names: { ...DLR_PARAMS },
  feedbackPath: '/smsKannelfeedback',
}

/** The dlr-url send builds, with Kannel's substitutions as a real DLR 8 arrived (docs/kannel.md §7). */
const template = buildDlrUrl(new URL('http://vlx:8080/smsKannelfeedback'), { messageId: MESSAGE, sequence: '4711' }, SECRET)
const SUBSTITUTED: Record<string, string> = { '%I': 'f5abdb03-4acb-496b-9e79-bea0d95cfa38', '%d': '8', '%A': 'ACK%2F', '%F': '', '%p': '%2B491701234567', '%P': 'VISULOX', '%T': '1795858642', '%i': 'fake1' }
const captured = template.replace(/%[A-Za-z]/g, (escape) => SUBSTITUTED[escape] ?? escape).replaceAll('%%', '%')
const capturedPairs = [...new URL(captured).searchParams]

const anyText = fc.oneof(fc.string({ maxLength: 24 }), fc.constantFrom('1', '2', '4', '8', '16', '3', '31', '', MESSAGE, '4711', '%', '+', '&'), fc.integer({ min: -1, max: 99 }).map(String))
const anyName = fc.oneof(fc.constantFrom(...Object.values(DLR_PARAMS), 'I', 'kid', 'Msgid', 'msgid ', 'token[]'), fc.string({ maxLength: 8 }))

type Change =
  | { kind: 'set'; index: number; value: string }
  | { kind: 'add'; at: number; name: string; value: string }
  | { kind: 'drop'; index: number }
  | { kind: 'reencode'; index: number }

const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), index: fc.nat(capturedPairs.length - 1), value: anyText }),
  fc.record({ kind: fc.constant('add' as const), at: fc.nat(capturedPairs.length), name: anyName, value: anyText }),
  fc.record({ kind: fc.constant('drop' as const), index: fc.nat(capturedPairs.length - 1) }),
  fc.record({ kind: fc.constant('reencode' as const), index: fc.nat(capturedPairs.length - 1) }),
)

/** Every byte of a value percent-encoded: the same value, written another way. */
function encodeEveryByte(value: string): string {
  return [...Buffer.from(value, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('')
}

function applyChanges(changes: readonly Change[]): string {
  const pairs: Array<[string, string, boolean]> = capturedPairs.map(([name, value]) => [name, value, false])
  for (const step of changes) {
    const index = 'index' in step ? step.index % pairs.length : 0
    if (pairs.length === 0 && step.kind !== 'add') continue
    if (step.kind === 'set') pairs[index]![1] = step.value
    else if (step.kind === 'add') pairs.splice(Math.min(step.at, pairs.length), 0, [step.name, step.value, false])
    else if (step.kind === 'drop') pairs.splice(index, 1)
    else pairs[index]![2] = true
  }
  return pairs.map(([name, value, raw]) => `${encodeURIComponent(name)}=${raw ? encodeEveryByte(value) : encodeURIComponent(value)}`).join('&')
}

/** The forms a forger can hand in: a bare query, a path, an Apache line answered 200. */
const asLine = fc.constantFrom(
  (query: string) => query,
  (query: string) => `/smsKannelfeedback?${query}`,
  (query: string) => `203.0.113.9 - - [28/Nov/2026:10:16:54 +0000] "GET /smsKannelfeedback?${query} HTTP/1.1" 200 3 "-" "curl"`,
)

const STATUSES = new Set(Object.values(DLR_TYPES))

describe('a captured callback URL, changed or extended in any way, with smskannel.secret set', () => {
  it('starts from a callback serve accepts', () => {
    const parsed = parseDlrLine(captured, context)
    expect(parsed).toMatchObject({ kind: 'event', event: { messageId: MESSAGE, sequence: '4711', dlr: 8 } })
    expect(admitReport(SECRET, false, parsed as Extract<typeof parsed, { kind: 'event' }>)).toBe('store')
  })

  it('yields only events of the captured message, and one id per DLR type at most', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.array(change, { maxLength: 6 }), asLine), { minLength: 1, maxLength: 30 }), (forgeries) => {
        const idsByStatus = new Map<string, Set<string>>()
        for (const [changes, form] of forgeries) {
          const parsed = parseDlrLine(form(applyChanges(changes)), context)
          if (parsed.kind !== 'event' || admitReport(SECRET, false, parsed) === 'refuse') continue
          expect(parsed.event.messageId).toBe(MESSAGE)
          expect(parsed.event.sequence).toBe('4711')
          expect(STATUSES.has(parsed.event.status)).toBe(true)
          idsByStatus.set(parsed.event.status, (idsByStatus.get(parsed.event.status) ?? new Set()).add(parsed.event.eventId))
        }
        for (const ids of idsByStatus.values()) expect(ids.size).toBe(1)
      }),
      { numRuns: 300 },
    )
  })

  it('never passes the token check with another message id or sequence', () => {
    fc.assert(
      fc.property(fc.array(change, { minLength: 1, maxLength: 8 }), (changes) => {
        const parsed = parseDlrLine(applyChanges(changes), context)
        if (parsed.kind !== 'event') return
        if (parsed.event.messageId !== MESSAGE || parsed.event.sequence !== '4711') expect(admitReport(SECRET, false, parsed)).toBe('refuse')
      }),
      { numRuns: 1000 },
    )
  })

  describe('stored in a real store', () => {
    let store: EventStore
    beforeAll(async () => {
      store = await openStore(join(mkdtempSync(join(tmpdir(), 'sms-kannel-forge-')), 'events.db'))
    })
    afterAll(() => store?.close())

    it('adds at most five events, all for the captured message, however many forgeries arrive', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.array(change, { maxLength: 6 }), asLine), { minLength: 1, maxLength: 40 }), async (forgeries) => {
          const admitted = forgeries.flatMap(([changes, form]) => {
            const parsed = parseDlrLine(form(applyChanges(changes)), context)
            return parsed.kind === 'event' && admitReport(SECRET, false, parsed) !== 'refuse' ? [parsed.event] : []
          })
          await storeEvents(store, admitted, false)
          const { events } = store.find(MESSAGE)
          expect(events.length).toBeLessThanOrEqual(STATUSES.size)
          expect(new Set(events.map((event) => event.status)).size).toBe(events.length)
          expect(store.find('4711').events).toHaveLength(events.length)
        }),
        { numRuns: 100 },
      )
    })
  })
})
