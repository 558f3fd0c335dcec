import { describe, expect, it } from 'vitest'
import { chooseProxy } from '../../src/core/proxy-choice.js'

describe('chooseProxy', () => {
  it.each([
    { name: 'no proxy configured', target: 'http://kannel:13013', explicit: undefined, env: {}, want: undefined },
    { name: 'an explicit proxy', target: 'http://kannel:13013', explicit: 'http://p:3128', env: { NO_PROXY: '*' }, want: 'http://p:3128/' },
    { name: 'HTTP_PROXY for http', target: 'http://kannel:13013', explicit: undefined, env: { HTTP_PROXY: 'http://p:3128' }, want: 'http://p:3128/' },
    { name: 'lower case wins', target: 'http://kannel:13013', explicit: undefined, env: { HTTP_PROXY: 'http://upper:1', http_proxy: 'http://lower:2' }, want: 'http://lower:2/' },
    { name: 'HTTP_PROXY not for https', target: 'https://kannel:13013', explicit: undefined, env: { HTTP_PROXY: 'http://p:3128' }, want: undefined },
    { name: 'HTTPS_PROXY for https', target: 'https://kannel:13013', explicit: undefined, env: { HTTPS_PROXY: 'p:3128' }, want: 'http://p:3128/' },
    { name: 'NO_PROXY host', target: 'http://kannel:13013', explicit: undefined, env: { HTTP_PROXY: 'http://p:3128', NO_PROXY: 'other,kannel' }, want: undefined },
    { name: 'NO_PROXY parent domain', target: 'http://sms.corp.example:13013', explicit: undefined, env: { HTTP_PROXY: 'http://p:3128', NO_PROXY: '.example' }, want: undefined },
    { name: 'NO_PROXY domain without dot', target: 'http://sms.corp.example:13013', explicit: undefined, env: { HTTP_PROXY: 'http://p:3128', NO_PROXY: 'corp.example' }, want: undefined },
    { name: 'NO_PROXY not a suffix match', target: 'http://notexample:13013', explicit: undefined, env: { HTTP_PROXY: 'http://p:3128', NO_PROXY: 'example' }, want: 'http://p:3128/' },
    { name: 'NO_PROXY host:port, other port', target: 'http://kannel:13013', explicit: undefined, env: { HTTP_PROXY: 'http://p:3128', NO_PROXY: 'kannel:80' }, want: 'http://p:3128/' },
    { name: 'NO_PROXY host:port, same port', target: 'http://kannel:13013', explicit: undefined, env: { HTTP_PROXY: 'http://p:3128', NO_PROXY: 'kannel:13013' }, want: undefined },
    { name: 'NO_PROXY *', target: 'http://kannel:13013', explicit: undefined, env: { HTTP_PROXY: 'http://p:3128', NO_PROXY: '*' }, want: undefined },
    { name: 'NO_PROXY IPv6 loopback', target: 'http://[::1]:13013', explicit: undefined, env: { HTTP_PROXY: 'http://p:3128', NO_PROXY: '::1' }, want: undefined },
  ])('$name', ({ target, explicit, env, want }) => {
    expect(chooseProxy(new URL(target), explicit, env)?.href).toBe(want)
  })
})
