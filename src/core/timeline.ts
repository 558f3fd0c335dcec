import type { ProviderName } from './config.js'
import type { DlrStatus } from './dlr.js'
import { describeSmscReply } from './smsc-reply.js'
import { PROVIDER_LABELS } from './providers/provider.js'
import { sendFailed } from './report.js'

/** What `send` records about each SMS it handed to Kannel. */
export interface SendRecord {
  messageId: string
  sequence: string | null
  /** Masked: the store never holds the full number of a send. */
  recipient: string
  sentAt: string
  outcome: string
  gateway: string
  /** Who sent it (kannel, sms4de); sends stored before providers existed were Kannel's. */
  provider?: string
  /** The provider's own id (SMS4.de's SMS id), which its delivery reports carry. */
  providerId?: string | null
}

/** A stored delivery report, as the timeline needs it. */
export interface StoredEvent {
  eventId: string
  messageId: string | null
  sequence: string | null
  dlr: number
  status: DlrStatus
  smscId: string | null
  smscMessageId: string | null
  smscReply: string | null
  gatewayTime: string | null
  receivedAt: string
}

export type TimelineStep = {
  /** not-sent: a send that failed (nothing went out). */
  what: 'sent' | 'not-sent' | DlrStatus
  at: string
  detail: string
  eventId: string | null
}

export interface Timeline {
  messageId: string | null
  sequence: string | null
  recipient: string | null
  steps: TimelineStep[]
  /** delivered, failed (undelivered or rejected), pending, or not-sent (the send failed and no report came). */
  result: 'delivered' | 'failed' | 'pending' | 'not-sent'
  /** From the send (or the first report) to the final report. */
  latencyMs: number | null
}

/** Kannel may report 1 before 8 (docs/kannel.md §7); order by meaning first. */
const STEP_RANK: Readonly<Record<TimelineStep['what'], number>> = {
  sent: 0,
  'not-sent': 0,
  buffered: 1,
  accepted: 1,
  delivered: 2,
  undelivered: 2,
  rejected: 2,
}

/**
 * One timeline per message: the send, then its reports in order of meaning and time, each
 * report once. Reports without a message id (from bearerbox's own log) get their own.
 */
export function buildTimelines(sends: readonly SendRecord[], events: readonly StoredEvent[]): Timeline[] {
  const byMessage = new Map<string, { send: SendRecord | undefined; events: StoredEvent[] }>()
  const entry = (key: string) => {
    let found = byMessage.get(key)
    if (!found) byMessage.set(key, (found = { send: undefined, events: [] }))
    return found
  }
  for (const send of sends) entry(send.messageId).send = send
  for (const event of events) entry(event.messageId ?? `event:${event.eventId}`).events.push(event)

  const timelines = [...byMessage.values()].map(({ send, events: reports }) => buildTimeline(send, reports))
  // Newest first: a sequence asked about is most likely the latest login.
  return timelines.sort((a, b) => (b.steps[0]?.at ?? '').localeCompare(a.steps[0]?.at ?? ''))
}

function buildTimeline(send: SendRecord | undefined, events: readonly StoredEvent[]): Timeline {
  const seen = new Set<string>()
  const steps: TimelineStep[] = []
  if (send) steps.push({ what: sendFailed(send.outcome) ? 'not-sent' : 'sent', at: send.sentAt, detail: describeSend(send), eventId: null })
  for (const event of events) {
    if (seen.has(event.eventId)) continue
    seen.add(event.eventId)
    steps.push({ what: event.status, at: event.gatewayTime ?? event.receivedAt, detail: describeReport(event), eventId: event.eventId })
  }
  steps.sort((a, b) => STEP_RANK[a.what] - STEP_RANK[b.what] || a.at.localeCompare(b.at))

  const final = steps.find((step) => STEP_RANK[step.what] === 2)
  const notSent = send !== undefined && sendFailed(send.outcome) && steps.length === 1
  const result = notSent ? 'not-sent' : !final ? 'pending' : final.what === 'delivered' ? 'delivered' : 'failed'
  const start = steps[0]
  const latencyMs = final && start && final !== start ? timeDifferenceMs(start.at, final.at) : null
  const first = events[0]
  return {
    messageId: send?.messageId ?? first?.messageId ?? null,
    sequence: send?.sequence ?? first?.sequence ?? null,
    recipient: send?.recipient ?? null,
    steps,
    result,
    latencyMs,
  }
}

function describeSend(send: SendRecord): string {
  const by = PROVIDER_LABELS[(send.provider ?? 'kannel') as ProviderName] ?? send.provider
  return `${send.outcome} by ${by} at ${send.gateway}${send.providerId ? `, ${by} id ${send.providerId}` : ''}`
}

function describeReport(event: StoredEvent): string {
  const parts: string[] = []
  if (event.smscId) parts.push(`SMSC ${event.smscId}`)
  // The SMSC's answer in words: a NACK's SMPP code, a receipt's stat and err.
  if (event.smscReply) parts.push(describeSmscReply(event.smscReply))
  if (event.smscMessageId) parts.push(`SMSC id ${event.smscMessageId}`)
  return parts.join(', ')
}

/**
 * Times without a zone (Kannel's %t) are compared as UTC. Kannel's times have whole seconds,
 * so a send at 10:44:07.5 and its report at 10:44:07 are compared at that resolution.
 */
function timeDifferenceMs(from: string, to: string): number | null {
  const asMs = (value: string) => new Date(/Z$|[+-]\d{2}:\d{2}$/.test(value) ? value : `${value}Z`).getTime()
  const wholeSeconds = !/\.\d+/.test(to)
  const start = wholeSeconds ? Math.floor(asMs(from) / 1000) * 1000 : asMs(from)
  const difference = asMs(to) - start
  return Number.isFinite(difference) && difference >= 0 ? difference : null
}
