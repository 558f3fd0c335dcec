import { describe, expect, it } from 'vitest'
import { coalesceSyncs } from '../../src/shell/coalesced-sync.js'

/** A sync that finishes only when the test says so, counting how many were started. */
function manualSync() {
  const finishers: Array<(error?: Error) => void> = []
  const syncOnce = () => new Promise<void>((resolve, reject) => finishers.push((error) => (error ? reject(error) : resolve())))
  return { syncOnce, started: () => finishers.length, finish: (index: number, error?: Error) => finishers[index]!(error) }
}

const settled = () => new Promise((resolve) => setImmediate(resolve))

describe('coalesceSyncs', () => {
  it('makes callers that arrive during a sync wait for one next sync, shared by all of them', async () => {
    const manual = manualSync()
    const syncs = coalesceSyncs(manual.syncOnce)
    const first = syncs.sync()
    const done: string[] = []
    const second = syncs.sync().then(() => done.push('second'))
    const third = syncs.sync().then(() => done.push('third'))
    expect(manual.started()).toBe(1)
    manual.finish(0)
    await first
    await settled()
    // The first sync may have started before the later callers wrote: they are not done yet.
    expect(done).toEqual([])
    expect(manual.started()).toBe(2)
    expect(syncs.idle).toBe(false)
    manual.finish(1)
    await Promise.all([second, third])
    expect(manual.started()).toBe(2)
    expect(syncs.idle).toBe(true)
  })

  it('fails only the callers of a failed sync; the next caller gets a new one', async () => {
    const manual = manualSync()
    const syncs = coalesceSyncs(manual.syncOnce)
    const failing = syncs.sync()
    manual.finish(0, new Error('EIO'))
    await expect(failing).rejects.toThrow('EIO')
    const next = syncs.sync()
    expect(manual.started()).toBe(2)
    manual.finish(1)
    await expect(next).resolves.toBeUndefined()
  })
})
