import { resolveConfig, type ConfigSources } from '../core/config.js'
import { ConfigError, InputError } from '../core/errors.js'
import { truncateForMessage } from '../core/redact.js'
import { hasControlCharacters, showControlCharacters } from '../core/control-chars.js'
import { buildTimelines, type Timeline } from '../core/timeline.js'
import { formatLocalTime } from '../core/local-time.js'
import type { SharedEventStore } from '../shell/event-store.js'

export interface StatusResult {
  key: string
  timelines: Timeline[]
}

/** "Did the PIN for sequence 4711 arrive?": the timeline of each message with that sequence or id. */
export async function status(input: { sources: ConfigSources; key: string }, io: { openStore: (location: string) => Promise<SharedEventStore> }): Promise<StatusResult> {
  const key = input.key.trim()
  if (key === '' || key.length > 64 || hasControlCharacters(key)) {
    throw new InputError(`"${truncateForMessage(key, 30)}" is not a sequence number or message id.`)
  }
  const { storePath } = resolveConfig(input.sources, ['storePath']).config
  if (!storePath) throw new ConfigError('status needs the event store that send and feedback write.', 'Set smskannel.store (SMSKANNEL_STORE) or pass --store FILE.')
  const store = await io.openStore(storePath)
  try {
    const { sends, events } = await store.find(key)
    const timelines = buildTimelines(sends, events)
    if (timelines.length === 0) {
      throw new InputError(`The store ${store.location} knows no send or delivery report for ${key}.`, 'Check the sequence number; replay stored DLRs with sms-kannel feedback --replay.')
    }
    return { key, timelines }
  } finally {
    await store.close()
  }
}

const RESULT_TEXT: Readonly<Record<Timeline['result'], string>> = {
  delivered: 'delivered',
  failed: 'NOT delivered',
  pending: 'no final report yet',
  'not-sent': 'NOT sent (the send failed; nothing went out)',
}

/** A few lines per message for a person at a terminal, times in the host's zone. */
export function formatTimeline(timeline: Timeline, timeZone: string): string[] {
  const head = [
    timeline.sequence ? `sequence ${timeline.sequence}` : undefined,
    timeline.messageId ? `message ${timeline.messageId}` : undefined,
    timeline.recipient ? `to ${timeline.recipient}` : undefined,
  ].filter(Boolean)
  // Stored fields came from the wire (any callback): a newline or ESC must not reach the terminal as one.
  const shown = showControlCharacters
  const latency = timeline.latencyMs === null ? '' : ` after ${(timeline.latencyMs / 1000).toFixed(1)} s`
  const lines = [`${shown(head.join(', '))}: ${RESULT_TEXT[timeline.result]}${timeline.result === 'pending' || timeline.result === 'not-sent' ? '' : latency} (times in ${timeZone})`]
  for (const step of timeline.steps) {
    lines.push(`  ${formatLocalTime(step.at, timeZone)}  ${step.what.padEnd(11)}  ${shown(step.detail)}`)
  }
  return lines
}
