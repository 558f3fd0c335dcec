import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from './helpers/run-cli.js'

describe('status shows what the SMSC meant', () => {
  it('names a NACK code and a receipt\'s stat and err, stored by feedback', async () => {
    const store = join(mkdtempSync(join(tmpdir(), 'sms-kannel-replies-')), 'events.db')
    const reply = (text: string) => encodeURIComponent(text)
    const reports = [
      `seq=4711&msgid=m-rejected&dlr=16&smsc=smpp1&time=1795858642&reply=${reply('NACK/0x0000000b/Invalid Destination Address')}`,
      `seq=4712&msgid=m-expired&dlr=2&smsc=smpp1&time=1795858650&reply=${reply('4790000000SMSAlert^id:1054BC63 sub:001 dlvrd:000 submit date:2611280937 done date:2611281037 stat:EXPIRED err:027 Text:PIN')}`,
    ]
    const fed = await runCli(['feedback', '--store', store, ...reports])
    expect(fed.stderr).toBe('')
    expect(fed.code).toBe(0)

    const rejected = await runCli(['status', '4711', '--store', store])
    expect(rejected.code).toBe(0)
    expect(rejected.stdout).toMatch(/rejected +SMSC smpp1, invalid destination address \(ESME_RINVDSTADR, 0x0000000b\)\n/)

    const expired = await runCli(['status', '4712', '--store', store, '--json'])
    expect(expired.code).toBe(0)
    expect(JSON.parse(expired.stdout)).toMatchObject({
      timelines: [{ result: 'failed', steps: [{ what: 'undelivered', detail: "SMSC smpp1, receipt EXPIRED: expired: not delivered within its validity period (phone off or out of reach), SMSC error 027 (the SMSC's own code)" }] }],
    })
  })
})
