import { describe, expect, it } from 'vitest'
import { proxyAuthorization, proxySecrets } from '../../src/core/proxy-credentials.js'

describe('proxyAuthorization', () => {
  it.each([
    ['http://puser:Pr0xy%21Pass@proxy:3128', 'puser:Pr0xy!Pass'],
    ['http://gr%C3%BCn:Gr%C3%BC%C3%9Fe@proxy:3128', 'grün:Grüße'],
    ['http://only-user@proxy:3128', 'only-user:'],
    ['http://pu:p%zz%41%C3@proxy:3128', 'pu:p%zzA%C3'],
  ])('%s: Basic and the UTF-8 bytes of user:password in base64, as Node writes them', (url, credentials) => {
    expect(proxyAuthorization(new URL(url))).toBe(`Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`)
  })

  it('is undefined for a proxy without credentials', () => {
    expect(proxyAuthorization(new URL('http://proxy:3128'))).toBeUndefined()
    expect(proxySecrets(new URL('http://proxy:3128'))).toEqual([])
    expect(proxySecrets(undefined)).toEqual([])
  })

  it('its secrets are the token as sent and the password', () => {
    expect(proxySecrets(new URL('http://puser:Pr0xy%21Pass@proxy:3128'))).toEqual(['cHVzZXI6UHIweHkhUGFzcw==', 'Pr0xy!Pass'])
  })
})
