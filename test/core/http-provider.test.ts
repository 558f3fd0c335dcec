import { describe, expect, it } from 'vitest'
import { resolveConfig, type SourceValues } from '../../src/core/config.js'
import { EXIT } from '../../src/core/errors.js'
import { exitCodeOf } from '../helpers/exit-code.js'
import { bodySecrets, buildHttpSendRequest, classifyHttpReply, headerSecrets, paramSecrets } from '../../src/core/providers/generic-http.js'
import { resolveHttpSettings } from '../../src/core/providers/http-config.js'
import { parseHeaders, parseJsonTemplate, parseParams, parseTemplate, type TemplatedField } from '../../src/core/providers/http-template.js'
import { providerFor } from '../../src/core/providers/index.js'
import { parseDlrStatusMap } from '../../src/core/providers/dlr-status-map.js'
import { parseDlrLine, resolveDlrParamNames } from '../../src/core/dlr.js'

const values = (extra: Record<string, string> = {}): SourceValues =>
  Object.fromEntries(
    Object.entries({ 'sms.provider': 'http', 'http.url': 'https://gw.example/send', 'http.params': 'to={to}&text={text}&key={password}', 'http.password': 'pa%ss&}', ...extra }).map(([key, value]) => [key, { value, where: 'test' }]),
  )
const settings = (extra: Record<string, string> = {}) => resolveHttpSettings(resolveConfig({ file: values(extra) }).values)
const message = { to: '+491701234567', to_digits: '491701234567', text: 'PIN 1234', password: 'pa%ss&}', sender: 'VISULOX' }

describe('templates', () => {
  it.each([
    { template: 'to={to}', want: ['to=', { name: 'to' }] },
    { template: '{{literal}} {text}', want: ['{literal} ', { name: 'text' }] },
    { template: 'plain', want: ['plain'] },
  ])('parses $template', ({ template, want }) => {
    expect(parseTemplate(template)).toEqual(want)
  })

  it.each([
    { template: '{nope}', error: /\{nope\} is not one of/ },
    { template: 'a } b', error: /a lone "\}" at position 3/ },
    { template: '{text', error: /a lone "\{"/ },
  ])('refuses $template', ({ template, error }) => {
    expect((parseTemplate(template) as { error: string }).error).toMatch(error)
  })

  it('splits fields before filling, so & = and } in a value are data', () => {
    const fields = parseParams('to={to}&text={text}') as Exclude<ReturnType<typeof parseParams>, { error: string }>
    const request = buildHttpSendRequest({ ...settings({ 'http.method': 'post-form' }), params: fields }, { ...message, text: 'a&b=c}{to}' }, 'https://gw.example/send')
    expect(request.body).toBe('to=%2B491701234567&text=a%26b%3Dc%7D%7Bto%7D')
  })

  it('reads headers as Name: value pairs with templates', () => {
    expect(parseHeaders('Authorization: Bearer {token}; X-Id: 7')).toEqual([
      { name: 'authorization', value: ['Bearer ', { name: 'token' }] },
      { name: 'x-id', value: ['7'] },
    ])
  })
})

describe('the request', () => {
  it.each([
    { name: 'GET, UTF-8', extra: { 'http.method': 'get' }, text: 'Größe', url: 'https://gw.example/send?to=%2B491701234567&text=Gr%C3%B6%C3%9Fe&key=pa%25ss%26%7D', body: undefined },
    { name: 'GET into a URL with a query', extra: { 'http.method': 'get', 'http.url': 'https://gw.example/send?v=2' }, text: 'x', url: 'https://gw.example/send?v=2&to=%2B491701234567&text=x&key=pa%25ss%26%7D', body: undefined },
    { name: 'form POST, ISO-8859-1', extra: { 'http.charset': 'iso-8859-1' }, text: 'Größe', url: 'https://gw.example/send', body: 'to=%2B491701234567&text=Gr%F6%DFe&key=pa%25ss%26%7D' },
    { name: 'form POST, ISO-8859-15', extra: { 'http.charset': 'iso-8859-15' }, text: '€', url: 'https://gw.example/send', body: 'to=%2B491701234567&text=%A4&key=pa%25ss%26%7D' },
    { name: 'JSON POST, flat', extra: { 'http.method': 'post-json' }, text: 'PIN "1" }', url: 'https://gw.example/send', body: '{"to":"+491701234567","text":"PIN \\"1\\" }","key":"pa%ss&}"}' },
    {
      name: 'JSON POST, nested body',
      extra: { 'http.method': 'post-json', 'http.body': '{"messages":[{"to":"{to_digits}","text":"{text}","n":1}],"auth":{"key":"{password}"}}' },
      text: 'x',
      url: 'https://gw.example/send',
      body: '{"messages":[{"to":"491701234567","text":"x","n":1}],"auth":{"key":"pa%ss&}"}}',
    },
  ])('$name', ({ extra, text, url, body }) => {
    const request = buildHttpSendRequest(settings(extra), { ...message, text }, settings(extra).urls[0]!)
    expect(request.url).toBe(url)
    expect(request.body).toBe(body)
  })

  it.each([
    { name: 'a € in ISO-8859-1', extra: { 'http.charset': 'iso-8859-1' }, text: 'PIN €', exit: EXIT.input },
    { name: 'Cyrillic in ISO-8859-15', extra: { 'http.charset': 'iso-8859-15' }, text: 'Ж', exit: EXIT.input },
    { name: 'Cyrillic in UTF-8', extra: {}, text: 'Ж', exit: EXIT.ok },
  ])('refuses characters the charset lacks before sending: $name', ({ extra, text, exit }) => {
    const provider = providerFor(resolveConfig({ file: values(extra) }))
    expect(exitCodeOf(() => provider.prepareText(text))).toBe(exit)
  })

  it.each([
    { name: 'the default 0,1', extra: {}, encoding: 'gsm7' as const, want: 'type=0&coding=0' },
    { name: 'the default 0,1', extra: {}, encoding: 'ucs2' as const, want: 'type=1&coding=2' },
    { name: 'text,unicode', extra: { 'http.unicode-values': ' text , unicode ' }, encoding: 'gsm7' as const, want: 'type=text&coding=0' },
    { name: 'text,unicode', extra: { 'http.unicode-values': 'text,unicode' }, encoding: 'ucs2' as const, want: 'type=unicode&coding=2' },
  ])('fills {unicode} from http.unicode-values ($name) for a $encoding text', ({ extra, encoding, want }) => {
    const provider = providerFor(resolveConfig({ file: values({ ...extra, 'http.params': 'text={text}&type={unicode}&coding={coding}' }) }))
    const request = provider.buildRequest({ to: '+491701234567', text: 'x', encoding, messageId: 'm', sequence: undefined }, provider.endpoints[0]!)
    expect(request.body).toBe(`text=x&${want}`)
  })

  it('hides the password in every form it takes, in the described request', () => {
    for (const method of ['get', 'post-form', 'post-json']) {
      const provider = providerFor(resolveConfig({ file: values({ 'http.method': method, 'http.headers': 'X-Key: {password}' }) }))
      const described = JSON.stringify(provider.describeRequest(provider.buildRequest({ to: '+491701234567', text: 'x', encoding: 'gsm7', messageId: 'm', sequence: undefined }, provider.endpoints[0]!)))
      expect(described).not.toMatch(/pa%ss|pa%25ss/)
      expect(described).toContain('********')
    }
  })
})

describe('the settings', () => {
  it.each([
    { name: 'a method', extra: { 'http.method': 'put' }, error: /must be get, post-form or post-json/ },
    { name: 'params without {text}', extra: { 'http.params': 'to={to}' }, error: /never uses \{text\}/ },
    { name: 'a body for a form POST', extra: { 'http.body': '{"a":"{text}"}' }, error: /is for http.method = post-json/ },
    { name: 'a body that is not JSON', extra: { 'http.method': 'post-json', 'http.body': '{"a":' }, error: /is not valid JSON/ },
    { name: 'an id pattern without a group', extra: { 'http.id-pattern': 'id: \\d+' }, error: /needs a capture group/ },
    { name: 'a status list', extra: { 'http.success-status': '200,2x2' }, error: /must be HTTP statuses/ },
    { name: 'a charset', extra: { 'http.charset': 'koi8-r' }, error: /must be utf-8, iso-8859-1, iso-8859-15/ },
    { name: 'one unicode value', extra: { 'http.unicode-values': 'unicode' }, error: /http.unicode-values "unicode" \(from test\) must be two values/ },
    { name: 'an empty unicode value', extra: { 'http.unicode-values': 'text,' }, error: /must be two values/ },
  ])('refuses $name (exit 78)', ({ extra, error }) => {
    expect(() => settings(extra)).toThrow(error)
  })

  it('takes SMSHTTP_* from the environment, not HTTP_*', async () => {
    const { configFromEnvironment } = await import('../../src/core/config-file.js')
    const { values: fromEnv } = configFromEnvironment({ SMSHTTP_PASSWORD: 'x', SMSHTTP_SUCCESS_STATUS: '202', HTTP_PROXY: 'http://proxy:3128' }, 'env')
    expect(Object.keys(fromEnv).sort()).toEqual(['http.password', 'http.success-status'])
  })
})

describe('classifyHttpReply', () => {
  const reply = (status: number, body: string) => ({ status, server: undefined, body })
  it.each([
    { name: 'any 2xx by default', extra: {}, status: 201, body: 'ok', exit: EXIT.ok },
    { name: 'a status not in the list', extra: { 'http.success-status': '200,202' }, status: 201, body: 'ok', exit: EXIT.gatewayRejected },
    { name: 'the success pattern', extra: { 'http.success-pattern': '^OK\\b' }, status: 200, body: 'OK 123', exit: EXIT.ok },
    { name: 'a 200 without the success pattern', extra: { 'http.success-pattern': '^OK\\b' }, status: 200, body: 'ERROR 12', exit: EXIT.gatewayRejected },
    { name: 'the failure pattern over a 200', extra: { 'http.failure-pattern': 'ERR' }, status: 200, body: 'ERR: number', exit: EXIT.gatewayRejected },
    { name: 'a retry status', extra: {}, status: 503, body: '', exit: EXIT.gatewayUnavailable },
    { name: 'a 500', extra: {}, status: 500, body: '', exit: EXIT.gatewayUnavailable },
    { name: 'a 401', extra: {}, status: 401, body: '', exit: EXIT.auth },
    { name: 'a 404', extra: {}, status: 404, body: '', exit: EXIT.protocol },
    { name: 'a 400', extra: {}, status: 400, body: 'bad number', exit: EXIT.gatewayRejected },
    { name: 'a backtracking pattern', extra: { 'http.success-pattern': '^(a+)+$' }, status: 200, body: `${'a'.repeat(40)}b`, exit: EXIT.config },
  ])('$name: exit $exit', ({ extra, status, body, exit }) => {
    expect(exitCodeOf(() => classifyHttpReply(settings(extra), reply(status, body), []))).toBe(exit)
  })

  it('only a retry status proves nothing was sent', () => {
    for (const [status, mayHaveBeenSent] of [[503, false], [500, true]] as const) {
      let caught: unknown
      try {
        classifyHttpReply(settings(), reply(status, ''), [])
      } catch (error) {
        caught = error
      }
      expect(caught).toMatchObject({ mayHaveBeenSent })
    }
  })

  it('captures the id and hides an echoed secret', () => {
    expect(classifyHttpReply(settings({ 'http.id-pattern': '"id":\\s*"([^"]+)"' }), reply(202, '{"id": "abc-42", "key": "s3cret"}'), ['s3cret'])).toMatchObject({ providerId: 'abc-42', reply: '{"id": "abc-42", "key": "********"}' })
  })
})

describe('http.dlr-status: another gateway\'s status values in its callbacks', () => {
  it.each([
    { text: 'DELIVRD=delivered, UNDELIV=undelivered,ENROUTE=buffered', want: [['delivrd', 1], ['undeliv', 2], ['enroute', 4]] },
    { text: 'delivered=delivered,unknown=unknown', want: [['delivered', 1], ['unknown', 8]] },
    { text: 'OK=delivered,ok=delivered', want: [['ok', 1]] },
    { text: '0=delivered,1=accepted,2=rejected', want: [['0', 1], ['1', 8], ['2', 16]] },
  ])('reads $text', ({ text, want }) => {
    expect([...(parseDlrStatusMap(text) as Map<string, number>)]).toEqual(want)
  })

  it.each(['DELIVRD', 'DELIVRD=arrived', '=delivered', 'OK=delivered,ok=undelivered'])('refuses "%s"', (text) => {
    expect(parseDlrStatusMap(text)).toHaveProperty('error')
  })

  it('turns a callback with the gateway\'s own names and values into the usual event', () => {
    const names = resolveDlrParamNames(['dlr=status,msgid=ref']) as Exclude<ReturnType<typeof resolveDlrParamNames>, { error: string }>
    const context = { names, feedbackPath: '/cb', receivedAt: new Date('2026-11-28T10:00:00Z'), source: { kind: 'http' as const }, statusMap: parseDlrStatusMap('DELIVRD=delivered,UNDELIV=undelivered') as Map<string, number> }
    expect(parseDlrLine('ref=m-1&seq=4711&status=DELIVRD', context)).toMatchObject({ kind: 'event', event: { messageId: 'm-1', sequence: '4711', dlr: 1, status: 'delivered', final: true } })
    expect(parseDlrLine('ref=m-1&status=UNDELIV', context)).toMatchObject({ kind: 'event', event: { status: 'undelivered' } })
    expect(parseDlrLine('ref=m-1&status=1', context)).toMatchObject({ kind: 'event', event: { status: 'delivered' } })
    expect(parseDlrLine('ref=m-1&status=WHATEVER', context)).toEqual({ kind: 'bad', reason: 'status=WHATEVER is not in http.dlr-status' })
    expect(parseDlrLine('ref=m-1&status=Delivrd', context)).toMatchObject({ kind: 'event', event: { status: 'delivered' } })
  })

  it('an "unknown" meaning is a report that is not final', () => {
    const names = resolveDlrParamNames(['dlr=status,msgid=ref']) as Exclude<ReturnType<typeof resolveDlrParamNames>, { error: string }>
    const context = { names, feedbackPath: '/cb', receivedAt: new Date('2026-11-28T10:00:00Z'), source: { kind: 'http' as const }, statusMap: parseDlrStatusMap('unknown=unknown') as Map<string, number> }
    expect(parseDlrLine('ref=m-1&status=UNKNOWN', context)).toMatchObject({ kind: 'event', event: { dlr: 8, status: 'accepted', final: false, successful: null } })
  })
})

describe('headerSecrets: literal credentials in http.headers', () => {
  const secretsOf = (text: string) => headerSecrets(parseHeaders(text) as TemplatedField[])
  it.each([
    ['Authorization: Bearer abc123', ['abc123']],
    ['Authorization: Bearer {token}', []],
    ['Proxy-Authorization: Basic dXNlcjpwQHNz', ['dXNlcjpwQHNz', 'user:p@ss', 'p@ss']],
    ['Authorization: Basic not!base64', ['not!base64']],
    ['Authorization: abc123', ['abc123']],
    ['X-Api-Key: k3y; X-Auth-Token: t0k; Client-Secret: s3c', ['k3y', 't0k', 's3c']],
    ['Cookie: session=c00kie', ['session=c00kie', 'c00kie']],
    ['Accept: application/json; X-Trace: 4711', []],
  ])('%s', (text, secrets) => {
    expect(secretsOf(text)).toEqual(secrets)
  })
})

describe('paramSecrets: literal credentials in http.params', () => {
  it('takes the literal values of credential fields, never the message fields nor templated values', () => {
    const params = parseParams('to={to}&text={text}&apikey=k3y-literal&api_key={password}&pwd=pw-literal&sig=s1&from=VISULOX&token=t0k{sequence}') as TemplatedField[]
    expect(paramSecrets(params)).toEqual(['k3y-literal', 'pw-literal'])
  })
})

describe('bodySecrets: literal credentials in http.body', () => {
  it('takes literals under a credential key at any depth, never the message fields', () => {
    const parsed = parseJsonTemplate('{"messages":[{"to":"{to}","text":"{text}"}],"auth":{"user":"vlx-user","key":"k3y-literal","ids":[4711]},"api_token":"Bearer {token}","from":"VISULOX"}')
    if ('error' in parsed) throw new Error(parsed.error)
    expect(bodySecrets(parsed.template)).toEqual(['vlx-user', 'k3y-literal', '4711'])
  })
})
