import { describe, expect, it } from 'vitest'
import { buildTimelines, type SendRecord, type StoredEvent } from '../../src/core/timeline.js'

const send: SendRecord = { messageId: 'm1', sequence: '4711', recipient: '+4917*****567', sentAt: '2026-11-28T10:00:00.000Z', outcome: 'accepted', gateway: 'kannel:13013' }

function report(dlr: number, status: StoredEvent['status'], at: string, id = `e${dlr}`): StoredEvent {
  return { eventId: id, messageId: 'm1', sequence: '4711', dlr, status, smscId: 'fake1', smscMessageId: dlr === 1 ? 'f1' : null, smscReply: dlr === 8 ? 'ACK/' : null, gatewayTime: at, receivedAt: '2026-11-28T10:05:00.000Z' }
}

describe('buildTimelines', () => {
  it('orders by meaning, then time: a delivery report that arrived before "accepted" still comes last', () => {
    const [timeline] = buildTimelines([send], [report(1, 'delivered', '2026-11-28T10:00:02Z'), report(8, 'accepted', '2026-11-28T10:00:02Z')])
    expect(timeline!.steps.map((step) => step.what)).toEqual(['sent', 'accepted', 'delivered'])
    expect(timeline).toMatchObject({ result: 'delivered', latencyMs: 2000, sequence: '4711', recipient: '+4917*****567' })
  })

  it('compares a millisecond send time with Kannel\'s whole-second report time', () => {
    const [timeline] = buildTimelines([{ ...send, sentAt: '2026-11-28T10:00:07.640Z' }], [report(1, 'delivered', '2026-11-28T10:00:07Z')])
    expect(timeline!.latencyMs).toBe(0)
  })

  it('shows a repeated report once', () => {
    const [timeline] = buildTimelines([send], [report(8, 'accepted', '2026-11-28T10:00:01Z'), report(8, 'accepted', '2026-11-28T10:00:01Z')])
    expect(timeline!.steps).toHaveLength(2)
    expect(timeline!.result).toBe('pending')
    expect(timeline!.latencyMs).toBeNull()
  })

  it.each([
    { status: 'undelivered' as const, dlr: 2 },
    { status: 'rejected' as const, dlr: 16 },
  ])('calls a $status report a failure', ({ status, dlr }) => {
    expect(buildTimelines([send], [report(dlr, status, '2026-11-28T10:00:03Z')])[0]).toMatchObject({ result: 'failed', latencyMs: 3000 })
  })

  it('keeps each message of a reused sequence apart, newest first', () => {
    const older = { ...send, messageId: 'm0', sentAt: '2026-11-27T09:00:00.000Z' }
    const timelines = buildTimelines([older, send], [report(1, 'delivered', '2026-11-28T10:00:05Z')])
    expect(timelines.map((timeline) => [timeline.messageId, timeline.result])).toEqual([['m1', 'delivered'], ['m0', 'pending']])
  })

  it('shows reports without a send (no store at send time) on their own', () => {
    const [timeline] = buildTimelines([], [report(8, 'accepted', '2026-11-28T10:00:01Z'), report(1, 'delivered', '2026-11-28T10:00:04Z')])
    expect(timeline).toMatchObject({ messageId: 'm1', result: 'delivered', latencyMs: 3000, recipient: null })
  })
})

describe('what a report says, in words', () => {
  it.each([
    { dlr: 16, status: 'rejected' as const, reply: 'NACK/0x0000000b/Invalid Destination Address', detail: 'SMSC fake1, invalid destination address (ESME_RINVDSTADR, 0x0000000b)' },
    { dlr: 2, status: 'undelivered' as const, reply: 'id:77 sub:001 dlvrd:000 submit date:2611281000 done date:2611281005 stat:EXPIRED err:027 text:PIN', detail: "SMSC fake1, receipt EXPIRED: expired: not delivered within its validity period (phone off or out of reach), SMSC error 027 (the SMSC's own code)" },
    { dlr: 8, status: 'accepted' as const, reply: 'ACK/', detail: 'SMSC fake1, reply ACK/' },
  ])('shows $reply as the meaning of the SMSC\'s answer', ({ dlr, status, reply, detail }) => {
    const [timeline] = buildTimelines([send], [{ ...report(dlr, status, '2026-11-28T10:00:03Z'), smscReply: reply }])
    expect(timeline!.steps.at(-1)!.detail).toBe(detail)
  })
})
