import { resolveConfig, type Config, type ConfigSources } from '../core/config.js'
import { proxyPassword } from '../core/proxy-credentials.js'
import { ConfigError } from '../core/errors.js'
import { maskNumberFields } from '../core/phone-number.js'
import { providerFor } from '../core/providers/index.js'
import type { AwaitedSend } from '../core/providers/provider.js'
import type { HttpClient } from '../shell/http.js'
import type { Reporter } from '../shell/output.js'
import { storeEvents, type SharedEventStore } from '../shell/event-store.js'

export interface PollInput {
  sources: ConfigSources
  /** Sends older than this many hours are no longer asked about. */
  sinceHours: number
  now: Date
}

export interface PollIo {
  report: Reporter
  /** `fileMode`: of an SQLite store created now (config's storeFileMode). */
  openStore: (location: string, fileMode: number) => Promise<SharedEventStore>
  http: (config: Config) => HttpClient
}

export interface PollSummary {
  provider: string
  /** Sends without a final report that were asked about. */
  asked: number
  requests: number
  /** Reports SMS4.de gave, new or stored before. */
  reports: number
  new: number
  duplicates: number
  /** Ids the provider did not know (yet). */
  unknown: number
  store: string
}

const kannelIsNotPolled = (label: string) =>
  new ConfigError(`feedback --poll asks a provider about its messages; ${label} reports by callback instead.`, 'Set sms.provider = sms4de, or receive Kannel\'s reports with serve or feedback --replay.')

/** The default of --since: assumed (docs/sms4de.md) to be as long as SMS4.de keeps a report. */
export const DEFAULT_POLL_HOURS = 48

/**
 * feedback --poll, for cron: asks the provider about every recent send without a final
 * report, many ids per request, and stores the answers as events. Each answer is stored
 * before the next request, so a run that fails halfway keeps what it got; running it again
 * stores nothing twice.
 */
export async function pollDeliveryReports(input: PollInput, io: PollIo): Promise<PollSummary> {
  // The provider first: the settings of Kannel, which cannot be polled, are not asked for.
  const resolved = resolveConfig(input.sources, ['provider'])
  const { config } = resolved
  if (config.provider === 'kannel') throw kannelIsNotPolled('Kannel')
  const provider = providerFor(resolved)
  io.report.addSecrets(...provider.secrets, config.secret, proxyPassword(config.proxy))
  const polling = provider.polling
  if (!polling) throw kannelIsNotPolled(provider.label)
  if (!config.storePath) throw new ConfigError('feedback --poll needs the event store that send writes.', 'Set smskannel.store (SMSKANNEL_STORE) or pass --store FILE.')

  const store = await io.openStore(config.storePath, config.storeFileMode)
  try {
    const since = new Date(input.now.getTime() - input.sinceHours * 3_600_000).toISOString()
    const awaited = await store.sendsAwaitingReports(provider.name, since)
    const summary: PollSummary = { provider: provider.name, asked: awaited.length, requests: 0, reports: 0, new: 0, duplicates: 0, unknown: 0, store: store.location }
    io.report.verbose(`${awaited.length} ${provider.label} send(s) since ${since} without a final report`)
    const http = awaited.length > 0 ? io.http(config) : undefined
    for (const batch of batches(awaited, polling.maxIdsPerRequest)) {
      const request = polling.buildRequest(batch.map((send) => send.providerId))
      summary.requests += 1
      const reply = await http!.send(request, config.timeoutMs)
      io.report.verbose(`reply from ${new URL(request.url).host}: HTTP ${reply.status} ${JSON.stringify(maskNumberFields(reply.body).slice(0, 200))}`)
      const answer = polling.parseReply(reply, batch, input.now)
      for (const warning of answer.warnings) io.report.warn(warning)
      const stored = await storeEvents(store, answer.events, false)
      const added = stored.filter(Boolean).length
      summary.reports += answer.events.length
      summary.new += added
      summary.duplicates += answer.events.length - added
      summary.unknown += answer.unknownIds.length
    }
    return summary
  } finally {
    await store.close()
  }
}

function batches(sends: readonly AwaitedSend[], size: number): AwaitedSend[][] {
  const result: AwaitedSend[][] = []
  for (let start = 0; start < sends.length; start += size) result.push(sends.slice(start, start + size))
  return result
}

export function summarisePoll(summary: PollSummary): string {
  return `${summary.asked} send${summary.asked === 1 ? '' : 's'} asked about in ${summary.requests} request${summary.requests === 1 ? '' : 's'}: ${summary.reports} report${summary.reports === 1 ? '' : 's'}, ${summary.new} new, ${summary.duplicates} duplicate${summary.duplicates === 1 ? '' : 's'}, ${summary.unknown} unknown to ${summary.provider} (store ${summary.store})`
}
