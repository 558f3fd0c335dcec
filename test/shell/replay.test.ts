import { execFileSync } from 'node:child_process'
import { appendFileSync, copyFileSync, existsSync, mkdirSync, statSync, mkdtempSync, renameSync, truncateSync, writeFileSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { DLR_PARAMS } from '../../src/core/kannel-request.js'
import { BusyError, InputError } from '../../src/core/errors.js'
import { READ_CHUNK_BYTES, replayFiles, withReplayLock } from '../../src/shell/replay.js'
import { openStore, type EventStore } from '../../src/shell/store.js'

const opened: EventStore[] = []
afterEach(() => {
  for (const store of opened.splice(0)) store.close()
})

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-replay-'))
  const store = await openStore(join(dir, 'events.db'))
  opened.push(store)
  const replay = (paths: string[], extra: { batchLines?: number; onProgress?: () => void } = {}) =>
    replayFiles({
      paths,
      store,
      parse: { names: { ...DLR_PARAMS }, feedbackPath: '/smsKannelfeedback' },
      now: new Date('2026-11-28T12:00:00Z'),
      forward: false,
      rejectsPath: join(dir, 'rejects.txt'),
      ...extra,
    })
  return { dir, store, replay }
}

/** Distinct DLR lines: the i-th report of message i/2, as a bare query. */
function dlrLines(from: number, count: number): string {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k
    return `seq=${i >> 1}&msgid=m${i >> 1}&dlr=${i % 2 === 0 ? 8 : 1}&time=${1795858642 + i}\n`
  }).join('')
}

function accessLogLines(from: number, count: number): string {
  return dlrLines(from, count)
    .split('\n')
    .slice(0, -1)
    .map((query, k) => `127.0.0.1 - - [28/Nov/2026:09:00:${String((from + k) % 60).padStart(2, '0')} +0000] "GET /smsKannelfeedback?${query} HTTP/1.1" 200 3 "-" "Kannel/1.4.5"\n`)
    .join('')
}

describe('replayFiles', () => {
  it('resumes where the last run stopped', async () => {
    const { dir, replay } = await setup()
    const file = join(dir, 'dlrs.txt')
    writeFileSync(file, dlrLines(0, 100))
    expect(await replay([file])).toMatchObject({ lines: 100, new: 100, duplicates: 0, bad: 0 })
    appendFileSync(file, dlrLines(100, 50))
    expect(await replay([file])).toMatchObject({ lines: 50, new: 50, duplicates: 0 })
    expect(await replay([file])).toMatchObject({ lines: 0, new: 0 })
  })

  it('leaves a last line without newline for the next run: it may still be being written', async () => {
    const { dir, replay } = await setup()
    const file = join(dir, 'dlrs.txt')
    writeFileSync(file, `${dlrLines(0, 3)}seq=9&msgid=m9&dlr=`)
    expect(await replay([file])).toMatchObject({ lines: 3, new: 3, bad: 0 })
    appendFileSync(file, '1\n')
    expect(await replay([file])).toMatchObject({ lines: 1, new: 1, bad: 0 })
  })

  it('follows a file through rotation to .1.gz, and starts the new file from its beginning', async () => {
    const { dir, replay } = await setup()
    const live = join(dir, 'access.log')
    writeFileSync(live, accessLogLines(0, 40))
    expect(await replay([live])).toMatchObject({ lines: 40, new: 40 })
    appendFileSync(live, accessLogLines(40, 10))
    // logrotate: the old file, with 10 lines never read, becomes access.log.1.gz.
    writeFileSync(`${live}.1.gz`, gzipSync(readFileSync(live)))
    renameSync(live, join(dir, 'gone'))
    writeFileSync(live, accessLogLines(1000, 5))
    const summary = await replay([`${live}.1.gz`, live])
    expect(summary.files.map(({ lines, new: fresh, resumedAt }) => ({ lines, new: fresh, resumed: resumedAt > 0 }))).toEqual([
      { lines: 10, new: 10, resumed: true },
      { lines: 5, new: 5, resumed: false },
    ])
  })

  it('stops at its last commit when logrotate copytruncate empties the file under it: the copy goes on from there, every report once', async () => {
    const { dir, replay, store } = await setup()
    const live = join(dir, 'access.log')
    // Several read chunks, so that reading goes on after the rotation.
    const old = dlrLines(0, 60_000)
    expect(old.length).toBeGreaterThan(2 * READ_CHUNK_BYTES)
    writeFileSync(live, old)
    let rotated = false
    const first = await replay([live], {
      batchLines: 2000,
      // After the first commit: copy, empty, and new lines written past where the replay reads.
      onProgress: () => {
        if (rotated) return
        rotated = true
        copyFileSync(live, `${live}.1`)
        truncateSync(live, 0)
        appendFileSync(live, dlrLines(100_000, 70_000))
      },
    })
    expect(first.files[0]).toMatchObject({ rewritten: true })
    expect(first.new).toBeLessThan(60_000)
    const second = await replay([`${live}.1`, live])
    expect(second.files.map(({ path, resumedAt }) => ({ path, resumed: resumedAt > 0 }))).toEqual([
      { path: `${live}.1`, resumed: true },
      { path: live, resumed: false },
    ])
    // Every report of both contents, once each: as one clean run over the two files.
    expect(first.new + second.new).toBe(130_000)
    expect(second.duplicates).toBe(0)
    expect(store.find('m29999').events).toHaveLength(2)
  })

  it('starts over when the file was truncated, and counts what it had already seen as duplicates', async () => {
    const { dir, replay } = await setup()
    const file = join(dir, 'dlrs.txt')
    writeFileSync(file, dlrLines(0, 20))
    await replay([file])
    writeFileSync(file, dlrLines(0, 5))
    expect(await replay([file])).toMatchObject({ lines: 5, new: 0, duplicates: 5 })
  })

  it('rejects a line over 64 KiB that spans read chunks, and keeps exact offsets after it', async () => {
    const { dir, replay } = await setup()
    const file = join(dir, 'dlrs.txt')
    const before = dlrLines(0, 22_100)
    // The long line must cross the reader's chunk boundary for this test to mean anything.
    expect(before.length).toBeLessThan(READ_CHUNK_BYTES)
    expect(before.length + 100_000).toBeGreaterThan(READ_CHUNK_BYTES)
    writeFileSync(file, `${before}dlr=1&x=${'y'.repeat(100_000)}\n${dlrLines(22_100, 3)}`)
    const summary = await replay([file], { batchLines: 1000 })
    expect(summary).toMatchObject({ lines: 22_104, new: 22_103, bad: 1 })
    expect(readFileSync(join(dir, 'rejects.txt'), 'utf8')).toMatch(new RegExp(`^${file}:22101\\tlonger than 64 KiB\\t\\n$`))
    appendFileSync(file, dlrLines(22_103, 1))
    expect(await replay([file])).toMatchObject({ lines: 1, new: 1 })
  })

  it('writes each bad line to the rejects file with its place and reason, once', async () => {
    const { dir, replay } = await setup()
    const file = join(dir, 'dlrs.txt')
    writeFileSync(file, `${dlrLines(0, 2)}s=1\ndlr=77\n`)
    expect(await replay([file])).toMatchObject({ lines: 4, new: 2, bad: 2 })
    await replay([file])
    expect(readFileSync(join(dir, 'rejects.txt'), 'utf8')).toBe(
      `${file}:3\tno "dlr" parameter (for another dlr-url template: --param dlr=NAME)\ts=1\n${file}:4\tdlr=77 is not a DLR type (1, 2, 4, 8, 16 or a sum of them)\tdlr=77\n`,
    )
  })

  it('leaves no rejects file from an earlier run when this run has no bad lines', async () => {
    const { dir, replay } = await setup()
    const file = join(dir, 'dlrs.txt')
    writeFileSync(file, `${dlrLines(0, 2)}s=1\n`)
    expect(await replay([file])).toMatchObject({ bad: 1, rejectsFile: join(dir, 'rejects.txt') })
    const clean = join(dir, 'clean.txt')
    writeFileSync(clean, dlrLines(10, 2))
    const summary = await replay([clean])
    expect(summary).toMatchObject({ bad: 0 })
    expect(summary.rejectsFile ?? null).toBeNull()
    expect(existsSync(join(dir, 'rejects.txt'))).toBe(false)
  })

  it.runIf(process.getuid?.() === 0)('writes into a device given as the rejects file (a /dev/null of its own), never removing or replacing it', async () => {
    const { dir, store } = await setup()
    const devNull = join(dir, 'null')
    execFileSync('mknod', [devNull, 'c', '1', '3'])
    const replayInto = (file: string) =>
      replayFiles({ paths: [file], store, parse: { names: { ...DLR_PARAMS }, feedbackPath: '/smsKannelfeedback' }, now: new Date('2026-11-28T12:00:00Z'), forward: false, rejectsPath: devNull })
    const clean = join(dir, 'clean.txt')
    writeFileSync(clean, dlrLines(0, 2))
    await replayInto(clean)
    expect(statSync(devNull).isCharacterDevice()).toBe(true)
    const bad = join(dir, 'bad.txt')
    writeFileSync(bad, `${dlrLines(10, 2)}s=1\n`)
    expect(await replayInto(bad)).toMatchObject({ bad: 1 })
    expect(statSync(devNull).isCharacterDevice()).toBe(true)
  })

  it('skips a file that is not there (a log before its first rotation) and still replays the rest', async () => {
    const { dir, replay } = await setup()
    const current = join(dir, 'access.log')
    writeFileSync(current, dlrLines(0, 3))
    const summary = await replay([join(dir, 'access.log.1'), current])
    expect(summary).toMatchObject({ lines: 3, new: 3, bad: 0 })
    expect(summary.files.map((file) => [file.path, file.missing ?? false, file.lines])).toEqual([
      [join(dir, 'access.log.1'), true, 0],
      [current, false, 3],
    ])
  })

  it.each([
    { name: 'a directory', make: (dir: string) => mkdirSync(join(dir, 'f')), message: /it is a directory/ },
    { name: 'a damaged .gz', make: (dir: string) => writeFileSync(join(dir, 'f'), Buffer.concat([gzipSync(dlrLines(0, 500)).subarray(0, 200), Buffer.alloc(50, 7)])), message: /gzip/ },
  ])('refuses $name with an input error', async ({ make, message }) => {
    const { dir, replay } = await setup()
    make(dir)
    await expect(replay([join(dir, 'f')])).rejects.toThrow(InputError)
    await expect(replay([join(dir, 'f')])).rejects.toThrow(message)
  })
})

describe('withReplayLock', () => {
  it('refuses a second replay while the first holds the lock', async () => {
    const { store } = await setup()
    await withReplayLock(store.path, async () => {
      await expect(withReplayLock(store.path, async () => 'second')).rejects.toThrow(BusyError)
    })
    expect(await withReplayLock(store.path, async () => 'after')).toBe('after')
  })

  it('takes over a lock left by a process that is gone', async () => {
    const { store } = await setup()
    writeFileSync(`${store.path}.replay.lock`, '2147483646')
    expect(await withReplayLock(store.path, async () => 'ran')).toBe('ran')
  })
})
