import { describe, expect, it } from 'vitest'
import { insecureTlsWarning } from '../../src/core/tls-warning.js'

describe('insecureTlsWarning: only where a certificate would have been checked', () => {
  it.each([
    { name: 'https, insecure', insecure: true, gatewayUrls: ['https://kannel:13013'], warns: true },
    { name: 'http then https, insecure', insecure: true, gatewayUrls: ['http://a:13013', 'https://b:13013'], warns: true },
    { name: 'http only, insecure', insecure: true, gatewayUrls: ['http://kannel:13013'], warns: false },
    { name: 'https, verified', insecure: false, gatewayUrls: ['https://kannel:13013'], warns: false },
  ])('$name: warns $warns', ({ insecure, gatewayUrls, warns }) => {
    expect(insecureTlsWarning({ insecure, gatewayUrls }) !== undefined).toBe(warns)
  })
})
