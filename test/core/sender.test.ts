import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../src/core/config.js'
import { senderWarnings } from '../../src/core/sender.js'
import { providerFor } from '../../src/core/providers/index.js'

const required = {
  'smskannel.gwurl': { value: 'http://kannel:13013', where: 'f:1' },
  'smskannel.user': { value: 'u', where: 'f:2' },
  'smskannel.password': { value: 'p', where: 'f:3' },
}

describe('any sender Kannel accepts is sent as configured', () => {
  it.each(['VISULOX RA 2FA PIN', 'VISULOX', '+4917012345678901234567', 'A'.repeat(40), 'Grüße', 'x&y', 'Ваш банк'])('%s', (sender) => {
    const { config } = resolveConfig({ file: { ...required, 'smskannel.sender': { value: sender, where: 'f:4' } } })
    expect(config.sender).toBe(sender)
  })
})

describe('senderWarnings says what an SMSC would commonly keep', () => {
  it.each([
    { sender: 'VISULOX RA 2FA PIN', warnings: ['smskannel.sender "VISULOX RA 2FA PIN" is 18 characters; SMSCs commonly keep 11 of a sender with letters, so phones may show "VISULOX RA ". Kannel sends it as configured.'] },
    { sender: 'VISULOX2FA!', warnings: [] },
    { sender: 'VISULOX', warnings: [] },
    { sender: '+491701234567', warnings: [] },
    { sender: '12345678901234567890', warnings: [] },
    { sender: '+123456789012345678901', warnings: ['smskannel.sender "+123456789012345678901" has 21 digits; SMSCs commonly keep 20, so phones may show "+12345678901234567890". Kannel sends it as configured.'] },
    { sender: 'Ваш банк', warnings: ['smskannel.sender "Ваш банк" has characters outside the GSM alphabet (В а ш б н), which SMSCs replace or drop. Kannel sends it as configured.'] },
    { sender: 'Grüße', warnings: [] },
    { sender: '', warnings: [] },
    { sender: undefined, warnings: [] },
  ])('$sender', ({ sender, warnings }) => {
    expect(senderWarnings(sender)).toEqual(warnings)
  })
})

describe('the generic HTTP provider warns about http.sender the same way', () => {
  it('names its own key and who passes the sender on', () => {
    const { config, values } = resolveConfig({ file: { 'sms.provider': { value: 'http', where: 'f:1' }, 'http.url': { value: 'https://gw.example/send', where: 'f:2' }, 'http.params': { value: 'to={to}&text={text}&from={sender}', where: 'f:3' }, 'http.sender': { value: 'Ваш банк 2FA PIN', where: 'f:4' } } })
    expect(providerFor({ config, values }).senderWarnings()).toEqual([
      'http.sender "Ваш банк 2FA PIN" is 16 characters; SMSCs commonly keep 11 of a sender with letters, so phones may show "Ваш банк 2F". sms-kannel passes it to the gateway as configured.',
      'http.sender "Ваш банк 2FA PIN" has characters outside the GSM alphabet (В а ш б н), which SMSCs replace or drop. sms-kannel passes it to the gateway as configured.',
    ])
  })
})
