import { describe, expect, it } from 'vitest'
import type { ConfigKey, ProviderName } from '../../src/core/config.js'
import { ignoredFlagWarnings } from '../../src/core/provider-flags.js'

const flags = (...keys: ConfigKey[]) => ({ flags: Object.fromEntries(keys.map((key) => [key, { value: 'x', where: 'flag' }])) })

describe('ignoredFlagWarnings', () => {
  it.each<{ provider: ProviderName; keys: ConfigKey[]; expected: string[] }>([
    { provider: 'sms4de', keys: ['smskannel.sender'], expected: ['--sender sets smskannel.sender, which only Kannel reads; sms.provider is sms4de, so it is ignored.'] },
    { provider: 'http', keys: ['smskannel.dlrmask', 'smskannel.gwurl'], expected: ['--dlr-mask sets smskannel.dlrmask, which only Kannel reads; sms.provider is http, so it is ignored.', '--gwurl sets smskannel.gwurl, which only Kannel reads; sms.provider is http, so it is ignored.'] },
    { provider: 'kannel', keys: ['smskannel.sender', 'smskannel.method'], expected: [] },
    // Keys every provider reads, and the provider flag itself, never warn.
    { provider: 'sms4de', keys: ['smskannel.timeout', 'smskannel.country', 'smskannel.feedbackurl', 'sms.provider'], expected: [] },
  ])('$provider with $keys', ({ provider, keys, expected }) => {
    expect(ignoredFlagWarnings(flags(...keys), provider)).toEqual(expected)
  })

  it('keys of another provider set in a file or the environment are a site\'s settings, not this run\'s intent', () => {
    expect(ignoredFlagWarnings({ env: { 'smskannel.sender': { value: 'VISULOX', where: 'env' } } }, 'sms4de')).toEqual([])
  })
})
