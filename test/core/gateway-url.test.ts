import { describe, expect, it } from 'vitest'
import { thrown } from '../helpers/thrown.js'
import { resolveConfig } from '../../src/core/config.js'
import { ConfigError } from '../../src/core/errors.js'
import { sendSmsEndpoint } from '../../src/core/kannel-request.js'

function resolveGateway(gwurl: string, postquery?: string) {
  return resolveConfig({
    file: {
      'smskannel.gwurl': { value: gwurl, where: 'f:1' },
      'smskannel.user': { value: 'u', where: 'f:2' },
      'smskannel.password': { value: 'p', where: 'f:3' },
      ...(postquery ? { 'smskannel.postquery': { value: postquery, where: 'f:4' } } : {}),
    },
  }).config
}

describe('smskannel.gwurl is used as written, or refused with what to write instead', () => {
  it.each([
    { gwurl: 'http://kannel:13013', endpoint: 'http://kannel:13013/cgi-bin/sendsms' },
    { gwurl: 'http://kannel:13013/', endpoint: 'http://kannel:13013/cgi-bin/sendsms' },
    { gwurl: 'http://kannel:13013?', endpoint: 'http://kannel:13013/cgi-bin/sendsms' },
    { gwurl: 'http://kannel:13013/#', endpoint: 'http://kannel:13013/cgi-bin/sendsms' },
    { gwurl: 'http://kannel:13013/cgi-bin/sendsms', endpoint: 'http://kannel:13013/cgi-bin/sendsms' },
    { gwurl: 'http://kannel:13013/cgi-bin/sendsms?', endpoint: 'http://kannel:13013/cgi-bin/sendsms' },
    { gwurl: 'http://kannel:13013/cgi-bin/sendsms/', endpoint: 'http://kannel:13013/cgi-bin/sendsms' },
    { gwurl: 'https://proxy.example/kannel', endpoint: 'https://proxy.example/kannel/cgi-bin/sendsms' },
    { gwurl: 'https://proxy.example/kannel/cgi-bin/sendsms?', endpoint: 'https://proxy.example/kannel/cgi-bin/sendsms' },
    { gwurl: 'http://kannel:13013/sms/send', postquery: '/sms/send', endpoint: 'http://kannel:13013/sms/send' },
  ])('$gwurl sends to $endpoint', ({ gwurl, postquery, endpoint }) => {
    const config = resolveGateway(gwurl, postquery)
    expect(sendSmsEndpoint(config.gatewayUrls[0]!, config)).toBe(endpoint)
  })

  it.each([
    { gwurl: 'http://kannel:13013/cgi-bin/sendsms?username=visulox&password=s3cret', problem: /has a query \(\?…\)/, instead: 'Write http://kannel:13013/cgi-bin/sendsms instead' },
    { gwurl: 'http://kannel:13013?x=1', problem: /has a query/, instead: 'Write http://kannel:13013/cgi-bin/sendsms instead' },
    { gwurl: 'http://kannel:13013/cgi-bin/sendsms#top', problem: /has a #fragment/, instead: 'Write http://kannel:13013/cgi-bin/sendsms instead' },
    { gwurl: 'http://a:13013 http://kannel:13013/x?y', problem: /has a query/, instead: 'Write http://kannel:13013/x/cgi-bin/sendsms instead' },
  ])('refuses $gwurl with exit 78 and what to write instead', ({ gwurl, problem, instead }) => {
    const error = thrown(() => resolveGateway(gwurl))
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).exitCode).toBe(78)
    expect((error as ConfigError).message).toMatch(problem)
    expect((error as ConfigError).hint).toContain(instead)
    expect(`${(error as ConfigError).message} ${(error as ConfigError).hint}`).not.toContain('s3cret')
  })
})
