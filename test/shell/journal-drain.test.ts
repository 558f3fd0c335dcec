/** The drain of an outage's backlog, on its own: what it does when the journal fails under it. */
import { expect, it } from 'vitest'
import { createJournalDrain } from '../../src/shell/journal-drain.js'

/** Warnings and notes collected in `lines`, short retries. */
const reporting = (lines: string[]) => ({
  warn: (line: string) => void lines.push(`warn ${line}`),
  info: (line: string) => void lines.push(`info ${line}`),
  describe: (error: unknown) => (error as Error).message,
  retryMs: { first: 1, max: 5 },
})

it('ends when resume() says the journal failed, with one warning and no "database is back"; stop() then resolves at once', async () => {
  const lines: string[] = []
  const discarded: number[] = []
  let resumes = 0
  const drain = createJournalDrain({
    sealed: () => (discarded.includes(3) ? [] : [3]),
    storeSegment: async () => 2,
    discardSegment: (segment) => void discarded.push(segment),
    journalOnly: () => true,
    reachable: async () => undefined,
    resume: () => {
      resumes += 1
      return Promise.reject(new Error("serve's journal cannot be used: it is a directory (EISDIR)."))
    },
    ...reporting(lines),
  })
  drain.began(new Error('The database is down.'))
  for (let tries = 0; tries < 100 && drain.active; tries++) await new Promise((resolve) => setTimeout(resolve, 5))
  expect(drain.active).toBe(false)
  expect(resumes).toBe(1)
  expect(discarded, 'the backlog stored before still goes').toEqual([3])
  expect(lines).toEqual([
    'warn The database is down. Callbacks are kept in the journal and answered 200; they are stored when the database is back (retried every 0.005 s at most).',
    "warn serve's journal cannot be used: it is a directory (EISDIR). serve stops (exit 74) and keeps the journal; what it holds is stored at the next start.",
  ])
  await drain.stop()
})

it('with no backlog to store, turns callbacks back to the database only once it answers (not at the first retry)', async () => {
  const lines: string[] = []
  let down = 3
  let resumes = 0
  const drain = createJournalDrain({
    sealed: () => [],
    storeSegment: async () => 0,
    discardSegment: () => undefined,
    journalOnly: () => resumes === 0,
    reachable: async () => {
      if (down > 0) {
        down -= 1
        throw new Error('nothing answers')
      }
    },
    resume: async () => void (resumes += 1),
    ...reporting(lines),
  })
  drain.began(new Error('The database is down.'))
  for (let tries = 0; tries < 200 && drain.active; tries++) await new Promise((resolve) => setTimeout(resolve, 5))
  expect({ active: drain.active, down, resumes }).toEqual({ active: false, down: 0, resumes: 1 })
  expect(lines.at(-1)).toBe('info journal: the database is back; the 0 callback(s) kept in the journal alone meanwhile are stored, and callbacks go to it again')
})
