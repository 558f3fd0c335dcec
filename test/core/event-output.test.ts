import { describe, expect, it } from 'vitest'
import { parseDlrLine, type DeliveryEvent } from '../../src/core/dlr.js'
import { eventForOutput } from '../../src/core/event-output.js'
import { DLR_PARAMS } from '../../src/core/kannel-request.js'

const context = { receivedAt: new Date('2026-12-07T10:21:00Z'), source: { kind: 'stdin' as const, line: 1 }, names: { ...DLR_PARAMS }, feedbackPath: '/smsKannelfeedback' }
function eventOf(line: string): DeliveryEvent {
  const parsed = parseDlrLine(line, context)
  if (parsed.kind !== 'event') throw new Error(`not an event: ${line}`)
  return parsed.event
}

describe('eventForOutput: the event as feedback prints it', () => {
  it('hides the text in smscReply and in the query, and keeps every other byte of the query', () => {
    const event = eventOf('seq=4711&msgid=m1&dlr=1&reply=id%3A1+stat%3ADELIVRD+err%3A000+text%3APIN+730215&recipient=%2B491701234567')
    const shown = eventForOutput(event)
    expect(shown.smscReply).toMatchObject({ kind: 'receipt', stat: 'DELIVRD', err: '000', text: '********', raw: 'id:1 stat:DELIVRD err:000 text:********' })
    expect(shown.raw).toBe(`seq=4711&msgid=m1&dlr=1&reply=${encodeURIComponent('id:1 stat:DELIVRD err:000 text:********')}&recipient=%2B491701234567`)
    expect(shown.eventId).toBe(event.eventId)
    // The event itself, which the store keeps, is untouched.
    expect(event.raw).toContain('text%3APIN+730215')
  })

  it('an unusual encoding of the reply still loses its text, through the secret filter', () => {
    const shown = eventForOutput(eventOf('dlr=2&reply=id%3A1+stat%3AUNDELIV+%74ext%3A**PIN+730215'))
    expect(shown.smscReply).toMatchObject({ text: '********' })
    expect(shown.raw).not.toContain('730215')
    expect(shown.raw).toContain('stat%3AUNDELIV')
  })

  it('leaves an event without receipt text as it is (the same object)', () => {
    for (const line of ['dlr=8&reply=ACK%2F', 'dlr=1&reply=', 'dlr=2&reply=NACK%2F0x0000000b%2FInvalid+Destination+Address', 'dlr=1&reply=id%3A1+stat%3ADELIVRD+err%3A000+text%3A']) {
      const event = eventOf(line)
      expect(eventForOutput(event)).toBe(event)
    }
  })
})
