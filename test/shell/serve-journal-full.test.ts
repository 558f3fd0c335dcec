/** serve whose journal's disk fills up: a callback then gets what /healthz says, also once there is room again. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { canMount, mountSmallFs, type SmallFs } from '../helpers/small-fs.js'
import { trackServes, type ServeProcess } from '../helpers/serve-process.js'
import { runCli } from '../helpers/run-cli.js'

const { start: startServe, killLeft } = trackServes()

describe.skipIf(!canMount())('serve with its journal on a disk that fills up', () => {
  const mounts: SmallFs[] = []
  afterEach(killLeft)
  afterAll(() => {
    for (const mount of mounts) mount.unmount()
  })
  const get = async (serve: ServeProcess, path: string) => {
    const response = await request(`${serve.base}${path}`)
    return { status: response.statusCode, body: await response.body.text() }
  }

  it('answers 503 from the first failed journal write on and stops (exit 74) for its supervisor to start it anew; nothing answered 200 is lost', async () => {
    const fs = mountSmallFs(64)
    mounts.push(fs)
    const store = join(mkdtempSync(join(tmpdir(), 'sms-kannel-journal-full-')), 'events.db')
    const args = ['--journal', join(fs.dir, 'serve.journal')]
    const serve = await startServe(args, { SMSKANNEL_STORE: store })
    fs.fill(4096)
    const answered: string[] = []
    let refused = 0
    for (let i = 0; i < 200 && refused === 0; i++) {
      const answer = await get(serve, `/smsKannelfeedback?seq=1&msgid=full-${i}&dlr=1&time=1795858642&pad=${'x'.repeat(400)}`)
      if (answer.status === 503) refused += 1
      else {
        expect(answer.status).toBe(200)
        answered.push(`full-${i}`)
      }
    }
    expect(refused, 'the journal\'s disk filled up').toBe(1)
    const exited = await Promise.race([serve.exited, new Promise((resolve) => setTimeout(() => resolve('still running 10 s after the journal failed'), 10_000))])
    expect(exited, serve.stderr()).toBe(74)
    expect(serve.stderr()).toMatch(/the journal failed: finishing callbacks in flight[\s\S]*stopped/)

    // Space again: the next start takes callbacks; every one answered 200 before is in the store.
    fs.grow(4096)
    const again = await startServe(args, { SMSKANNEL_STORE: store })
    expect(await get(again, '/healthz')).toEqual({ status: 200, body: '{"status":"ok"}\n' })
    again.child.kill('SIGTERM')
    expect(await again.exited).toBe(0)
    const status = await runCli(['status', answered.at(-1)!, '--json', '--store', store])
    expect(JSON.parse(status.stdout).timelines[0]).toMatchObject({ result: 'delivered' })
  }, 60_000)
})
