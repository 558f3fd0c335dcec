/**
 * report over a big span on two cores: this thread folds the PINs below a split key while a
 * worker thread, running this same bundle, folds the rest from its own read-only connection.
 */
import { availableParallelism } from 'node:os'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import type { MessageGroup } from '../core/report.js'
import { REPORT_THREAD_ARG } from './report-thread-arg.js'
import { openStore, PIN_KEY_END, type EventStore } from './store.js'


/** Fewer sends than this are folded faster than a second thread starts (about 0.1 s); one core gains nothing. */
const MIN_SENDS_FOR_TWO_THREADS = 100_000

/** report --threads: `auto` takes a second thread for a big span on a machine with two cores. */
export type ReportThreads = 'auto' | 1 | 2

export interface ReportThreadOptions {
  threads: ReportThreads
  /** A second thread that failed is worth a line: its half is folded here instead. */
  warn: (message: string) => void
}

interface ThreadTask {
  path: string
  boundaries: readonly number[]
  from: string
}

export async function reportGroupsInTwo(store: EventStore, boundaries: readonly number[], options: ReportThreadOptions): Promise<MessageGroup[]> {
  // Only the built CLI can start itself as a thread (tests run the TypeScript sources).
  const bundle = typeof __filename === 'string' && __filename.endsWith('.cjs') ? __filename : undefined
  const wanted = options.threads === 2 || (options.threads === 'auto' && availableParallelism() >= 2)
  const split = bundle === undefined || !wanted ? undefined : store.reportSplit(boundaries, options.threads === 2 ? 1 : MIN_SENDS_FOR_TWO_THREADS)
  if (bundle === undefined || split === undefined) return store.reportGroups(boundaries)
  const task: ThreadTask = { path: store.path, boundaries, from: split }
  const worker = new Worker(bundle, { argv: [REPORT_THREAD_ARG], workerData: task, stdout: true, stderr: true })
  let answered = false
  const upper = new Promise<MessageGroup[] | undefined>((resolve) => {
    const failed = (why: string) => {
      if (answered) return
      answered = true
      options.warn(`report's second thread ${why}; this one folds its half too`)
      resolve(undefined)
    }
    worker.once('message', (groups: MessageGroup[]) => {
      answered = true
      resolve(groups)
    })
    worker.once('error', (error) => failed(`failed (${error.message})`))
    worker.once('exit', (code) => failed(`ended (exit ${code}) without an answer`))
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
