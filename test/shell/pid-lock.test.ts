import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { BusyError } from '../../src/core/errors.js'
import { acquirePidLock, readProcessStat } from '../../src/shell/pid-lock.js'
import { runCli } from '../helpers/run-cli.js'
import { startServe } from '../helpers/serve-process.js'

const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL')
})

/** A live process that is not sms-kannel: its PID stands for one used again after a crash. */
async function unrelatedProcess(): Promise<number> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' })
  children.push(child)
  await new Promise((resolve) => child.once('spawn', resolve))
  return child.pid!
}

/** A zombie: `sh` starts a short sleep in the background and becomes a long one, which never reaps it. */
async function zombieProcess(): Promise<number> {
  const child = spawn('sh', ['-c', 'sleep 0.2 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] })
  children.push(child)
  const pid = Number(await new Promise<string>((resolve) => child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString()))))
  for (let i = 0; i < 500 && readProcessStat(pid)?.state !== 'Z'; i++) await new Promise((resolve) => setTimeout(resolve, 20))
  expect(readProcessStat(pid)?.state).toBe('Z')
  return pid
}

function replayFixture() {
  const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-lock-'))
  const store = join(dir, 'events.db')
  const file = join(dir, 'dlrs.txt')
  writeFileSync(file, 'seq=1&msgid=m1&dlr=1&time=1795858642\n')
  return { dir, store, file, lock: `${store}.replay.lock` }
}

const busy = (holder: number) => new BusyError(`held by ${holder}`)

describe('a lock cannot be fooled by a PID in use again', () => {
  it.each([
    ['a live unrelated process with another start time', async () => `${await unrelatedProcess()} 1\n`],
    ['a zombie (dead, not yet reaped)', async () => {
      const pid = await zombieProcess()
      return `${pid} ${readProcessStat(pid)!.startTime}\n`
    }],
    ['an old-style lock (PID only) older than the process now using that PID', async () => `${await unrelatedProcess()}\n`],
    ['a PID that no longer exists', async () => '4194303 12345\n'],
    ['garbage', async () => 'not a pid\n'],
  ])('cron replay takes over a stale lock held by %s', async (_, content) => {
    const { store, file, lock } = replayFixture()
    writeFileSync(lock, await content())
    // An old lock: written an hour before the process that now has its PID started.
    const hourAgo = new Date(Date.now() - 3_600_000)
    utimesSync(lock, hourAgo, hourAgo)
    const run = await runCli(['feedback', '--replay', file, '--store', store, '--json'])
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ lines: 1, new: 1 })
    expect(existsSync(lock)).toBe(false)
  })

  it('a live holder with its own start time keeps the lock: the second run exits 75', async () => {
    const { store, file, lock } = replayFixture()
    const pid = await unrelatedProcess()
    writeFileSync(lock, `${pid} ${readProcessStat(pid)!.startTime}\n`)
    const run = await runCli(['feedback', '--replay', file, '--store', store])
    expect(run.code).toBe(75)
    expect(run.stderr).toContain(`Another replay (pid ${pid})`)
    expect(readFileSync(lock, 'utf8')).toContain(String(pid))
  })

  it('a stale lock with our own PID (PID 1 restarted in a container) is taken over; one we hold is not', () => {
    const { lock } = replayFixture()
    writeFileSync(lock, `${process.pid} 1\n`)
    const release = acquirePidLock(lock, busy)
    expect(readFileSync(lock, 'utf8')).toBe(`${process.pid} ${readProcessStat(process.pid)!.startTime}\n`)
    expect(() => acquirePidLock(lock, busy)).toThrow(BusyError)
    release()
    expect(existsSync(lock)).toBe(false)
    writeFileSync(lock, `${process.pid}\n`)
    acquirePidLock(lock, busy)()
  })

  it('serve restarts over a journal lock left by a process whose PID is now someone else', async () => {
    const { store } = replayFixture()
    writeFileSync(`${store}.journal.lock`, `${await unrelatedProcess()} 1\n`)
    const serve = await startServe(['--store', store])
    serve.child.kill('SIGTERM')
    expect(await serve.exited).toBe(0)
  })

  it('a lock path that is a directory is a clear store error (exit 74), not a bug', async () => {
    const { store, file, lock } = replayFixture()
    mkdirSync(lock)
    const run = await runCli(['feedback', '--replay', file, '--store', store])
    expect(run.code).toBe(74)
    expect(run.stderr).toContain(`Cannot use the lock file ${lock}: it is a directory (EISDIR).`)
    expect(run.stderr).not.toMatch(/bug|at .*\.js/)
  })
})
