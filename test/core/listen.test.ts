import { describe, expect, it } from 'vitest'
import { resolveConfig, type SourceValues } from '../../src/core/config.js'

function listenFor(values: Record<string, string>) {
  const flags: SourceValues = {}
  for (const [key, value] of Object.entries(values)) flags[key as keyof SourceValues] = { value, where: 'test' }
  return resolveConfig({ flags }, ['listen']).config.listen
}

describe('where serve listens', () => {
  it.each([
    { name: 'nothing set', values: {}, want: { host: '127.0.0.1', port: 8080 } },
    { name: 'the feedback URL\'s explicit port', values: { 'smskannel.feedbackurl': 'http://vlx:18080/smsKannelfeedback' }, want: { host: '127.0.0.1', port: 18080 } },
    { name: 'a feedback URL without a port (a reverse proxy on 80)', values: { 'smskannel.feedbackurl': 'http://vlx/smsKannelfeedback' }, want: undefined },
    { name: 'https without a port (443)', values: { 'smskannel.feedbackurl': 'https://vlx/smsKannelfeedback' }, want: undefined },
    { name: 'smskannel.listen with a portless feedback URL', values: { 'smskannel.feedbackurl': 'http://vlx/smsKannelfeedback', 'smskannel.listen': '127.0.0.1:8080' }, want: { host: '127.0.0.1', port: 8080 } },
    { name: 'smskannel.listen, a port alone', values: { 'smskannel.listen': '9000' }, want: { host: '127.0.0.1', port: 9000 } },
    { name: 'smskannel.listen on IPv6', values: { 'smskannel.listen': '[::1]:9000' }, want: { host: '::1', port: 9000 } },
  ])('$name', ({ values, want }) => {
    expect(listenFor(values)).toEqual(want)
  })
})
