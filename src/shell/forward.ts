import type { SharedEventStore } from './event-store.js'

/** What forwarding reads and marks: the async store, or serve's SQLite store as it is. */
type ForwardStore = {
  pendingForwards(afterEventId: string, limit: number): ReturnType<SharedEventStore['pendingForwards']> | Awaited<ReturnType<SharedEventStore['pendingForwards']>>
  markForwarded(eventIds: readonly string[]): Promise<void> | void
}

export interface ForwardSummary {
  forwarded: number
  failed: number
}

/** Requests in flight at once: enough to hide latency, few enough not to flood a webservice. */
const CONCURRENCY = 4
const PAGE = 500

/**
 * Re-delivers each pending report's original query string by GET to `targetUrl`. A report
 * counts as forwarded only after a 2xx; the rest stay pending for the next run.
 */
export async function forwardPending(store: ForwardStore, targetUrl: URL, timeoutMs: number, stop?: AbortSignal): Promise<ForwardSummary> {
  const { Agent, request } = await import('undici')
  const agent = new Agent({ connections: CONCURRENCY, headersTimeout: timeoutMs + 1000, bodyTimeout: timeoutMs + 1000 })
  const summary: ForwardSummary = { forwarded: 0, failed: 0 }
  const separator = targetUrl.search === '' ? '?' : '&'
  try {
    // Stopping (serve's SIGTERM) aborts the requests in flight: those reports stay pending.
    for (let after = ''; !stop?.aborted; ) {
      const page = await store.pendingForwards(after, PAGE)
      if (page.length === 0) break
      after = page.at(-1)!.eventId
      const delivered: string[] = []
      for (let index = 0; index < page.length; index += CONCURRENCY) {
        await Promise.all(
          page.slice(index, index + CONCURRENCY).map(async ({ eventId, raw }) => {
            try {
              const response = await request(`${targetUrl.href}${separator}${raw}`, { method: 'GET', dispatcher: agent, signal: stop ? AbortSignal.any([AbortSignal.timeout(timeoutMs), stop]) : AbortSignal.timeout(timeoutMs) })
              await response.body.dump()
              if (response.statusCode >= 200 && response.statusCode < 300) delivered.push(eventId)
              else summary.failed += 1
            } catch {
              summary.failed += 1
            }
          }),
        )
      }
      await store.markForwarded(delivered)
      summary.forwarded += delivered.length
    }
  } finally {
    await agent.destroy()
  }
  return summary
}
