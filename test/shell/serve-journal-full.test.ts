/** serve whose journal's disk fills up: a callback then gets what /healthz says, also once there is room again. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { canMount, mountSmallFs, type SmallFs } from '../helpers/small-fs.js'
import { trackServes, type ServeProcess } from '../helpers/serve-process.js'

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

  it('answers 503 from the first failed journal write on, as /healthz does, and not 200 again when space comes back', async () => {
    const fs = mountSmallFs(64)
    mounts.push(fs)
    const store = join(mkdtempSync(join(tmpdir(), 'sms-kannel-journal-full-')), 'events.db')
    const serve = await startServe(['--journal', join(fs.dir, 'serve.journal')], { SMSKANNEL_STORE: store })
    fs.fill(4096)
    let refused = 0
    for (let i = 0; i < 200 && refused === 0; i++) {
      const answer = await get(serve, `/smsKannelfeedback?seq=1&msgid=full-${i}&dlr=1&time=1795858642&pad=${'x'.repeat(400)}`)
      if (answer.status === 503) refused += 1
      else expect(answer.status).toBe(200)
    }
    expect(refused, 'the journal\'s disk filled up').toBe(1)
    fs.grow(4096)
    expect(await get(serve, '/smsKannelfeedback?seq=1&msgid=after-space&dlr=1&time=1795858642')).toMatchObject({ status: 503 })
    expect(await get(serve, '/healthz')).toEqual({ status: 503, body: '{"status":"journal failed"}\n' })
    // The log line follows the answer: it may still be on its way through the pipe.
    const logged = '503 journal failed, not stored: dlr=1 delivered seq=1 msgid=after-space'
    for (let tries = 0; tries < 50 && !serve.stderr().includes(logged); tries++) await new Promise((resolve) => setTimeout(resolve, 100))
    expect(serve.stderr()).toContain(logged)
  }, 60_000)
})
