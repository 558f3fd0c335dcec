/**
 * report over a big span on two cores: this thread folds the PINs below a split key while a
 * worker thread, running this same bundle, folds the rest from its own read-only connection.
 */
import { availableParallelism } from 'node:os'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import type { MessageGroup } from '../core/report.js'
import { openStore, PIN_KEY_END, type EventStore } from './store.js'

/** The argument that makes the bundle a report thread instead of the CLI (see cli.ts). */
export const REPORT_THREAD_ARG = '--sms-kannel-report-thread'

/** Fewer sends than this are folded faster than a second thread starts (about 0.1 s); one core gains nothing. */
const MIN_SENDS_FOR_TWO_THREADS = 100_000

interface ThreadTask {
  path: string
  boundaries: readonly number[]
  from: string
}

export async function reportGroupsInTwo(store: EventStore, boundaries: readonly number[]): Promise<MessageGroup[]> {
  // Only the built CLI can start itself as a thread (tests run the TypeScript sources).
  const bundle = typeof __filename === 'string' && __filename.endsWith('.cjs') ? __filename : undefined
  const minSends = Number(process.env['SMS_KANNEL_TEST_REPORT_SPLIT_AT'] ?? MIN_SENDS_FOR_TWO_THREADS)
  const split = bundle === undefined || availableParallelism() < 2 ? undefined : store.reportSplit(boundaries, minSends)
  if (bundle === undefined || split === undefined) return store.reportGroups(boundaries)
  const task: ThreadTask = { path: store.path, boundaries, from: split }
  const worker = new Worker(bundle, { argv: [REPORT_THREAD_ARG], workerData: task, stdout: true, stderr: true })
  const upper = new Promise<MessageGroup[] | undefined>((resolve) => {
    worker.once('message', (groups: MessageGroup[]) => resolve(groups))
    worker.once('error', () => resolve(undefined))
    worker.once('exit', () => resolve(undefined))
  })
  try {
    const lower = store.reportGroups(boundaries, { from: '', to: split })
    // A thread that failed (it could not open the store, say): this one folds its half too.
    const rest = (await upper) ?? store.reportGroups(boundaries, { from: split, to: PIN_KEY_END })
    return [...lower, ...rest]
  } finally {
    await worker.terminate()
  }
}

/** The worker's side; run as the CLI when not in a worker (someone typed the argument). */
export async function runReportThread(runCli: () => Promise<void>): Promise<void> {
  if (isMainThread || !parentPort) return runCli()
  const task = workerData as ThreadTask
  const store = await openStore(task.path, { readOnly: true })
  try {
    parentPort.postMessage(store.reportGroups(task.boundaries, { from: task.from, to: PIN_KEY_END }))
  } finally {
    store.close()
  }
}
