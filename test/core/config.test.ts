import { describe, expect, it } from 'vitest'
import { resolveConfig, type ConfigSources, type SourceValues } from '../../src/core/config.js'
import { configFromEnvironment, parseConfigText } from '../../src/core/config-file.js'
import { ConfigError } from '../../src/core/errors.js'

const minimal: SourceValues = {
  'smskannel.gwurl': { value: 'http://kannel:13013', where: 'file' },
  'smskannel.user': { value: 'tester', where: 'file' },
  'smskannel.password': { value: 'foobar', where: 'file' },
}

function at(where: string, entries: Record<string, string>): SourceValues {
  return Object.fromEntries(Object.entries(entries).map(([key, value]) => [key, { value, where }]))
}

function effectiveOf(sources: ConfigSources, key: string) {
  return resolveConfig(sources).effective.find((row) => row.key === key)
}

describe('resolveConfig precedence: defaults < file < .env < environment < flags', () => {
  it.each([
    { name: 'default only', sources: { file: minimal }, want: { value: '10s', where: 'default' } },
    { name: 'file beats default', sources: { file: { ...minimal, ...at('file', { 'smskannel.timeout': '5' }) } }, want: { value: '5', where: 'file' } },
    {
      name: '.env beats file',
      sources: { file: { ...minimal, ...at('file', { 'smskannel.timeout': '5' }) }, dotenv: at('.env', { 'smskannel.timeout': '6' }) },
      want: { value: '6', where: '.env' },
    },
    {
      name: 'environment beats .env',
      sources: { file: minimal, dotenv: at('.env', { 'smskannel.timeout': '6' }), env: at('env', { 'smskannel.timeout': '7' }) },
      want: { value: '7', where: 'env' },
    },
    {
      name: 'flags beat everything',
      sources: { file: minimal, dotenv: at('.env', { 'smskannel.timeout': '6' }), env: at('env', { 'smskannel.timeout': '7' }), flags: at('flag', { 'smskannel.timeout': '8' }) },
      want: { value: '8', where: 'flag' },
    },
    {
      name: 'an empty value does not override a lower source',
      sources: { file: { ...minimal, ...at('file', { 'smskannel.timeout': '5' }) }, env: at('env', { 'smskannel.timeout': '' }) },
      want: { value: '5', where: 'file' },
    },
  ])('$name', ({ sources, want }) => {
    expect(effectiveOf(sources, 'smskannel.timeout')).toMatchObject(want)
  })

  it('never shows the password in the effective configuration', () => {
    const row = effectiveOf({ file: minimal }, 'smskannel.password')
    expect(row?.value).toBe('********')
    expect(JSON.stringify(resolveConfig({ file: minimal }).effective)).not.toContain('foobar')
  })

  it('hides the password of a proxy URL in the effective configuration', () => {
    const row = effectiveOf({ file: { ...minimal, ...at('f', { 'smskannel.proxy': 'http://alice:pr0xy-s3cret@proxy:3128' }) } }, 'smskannel.proxy')
    expect(row?.value).toBe('http://alice:********@proxy:3128')
  })

  it('turns the settings into typed values', () => {
    const { config } = resolveConfig({ file: { ...minimal, ...at('f', { 'smskannel.timeout': '500ms', 'smskannel.method': 'GET', 'smskannel.country': 'de' }) } })
    expect(config).toMatchObject({ gatewayUrls: ['http://kannel:13013'], sendPath: '/cgi-bin/sendsms', timeoutMs: 500, method: 'get', dlrMask: 31, maxParts: 1, defaultCountry: 'DE' })
    expect(config.numberPattern.test('+49 (170) 123-4567')).toBe(true)
  })
})

describe('resolveConfig validation names the key, its origin and where to set it', () => {
  it.each([
    { name: 'missing gateway', values: { 'smskannel.gwurl': undefined }, message: /smskannel\.gwurl is not set/, hint: /SMSKANNEL_GWURL/ },
    { name: 'missing password', values: { 'smskannel.password': undefined }, message: /smskannel\.password is not set/, hint: /password-file/ },
    { name: 'gateway not a URL', values: { 'smskannel.gwurl': 'kannel:13013x' }, message: /smskannel\.gwurl/ },
    { name: 'gateway with credentials', values: { 'smskannel.gwurl': 'http://u:p@kannel:13013' }, message: /user:password@/ },
    { name: 'ftp feedback URL', values: { 'smskannel.feedbackurl': 'ftp://x/y' }, message: /http:\/\//, },
    { name: 'broken regexp', values: { 'regexp.sms': '^[0-9' }, message: /regexp\.sms .* not a valid regular expression/ },
    { name: 'timeout word', values: { 'smskannel.timeout': 'soon' }, message: /smskannel\.timeout "soon" \(from test\)/ },
    { name: 'timeout too short', values: { 'smskannel.timeout': '5ms' }, message: /from 100ms to 600s/ },
    { name: 'method', values: { 'smskannel.method': 'put' }, message: /post or get/ },
    { name: 'dlr mask over 31', values: { 'smskannel.dlrmask': '67' }, message: /0 to 31/ },
    { name: 'max parts zero', values: { 'smskannel.maxparts': '0' }, message: /1 to 10/ },
    { name: 'country name', values: { 'smskannel.country': 'Germany' }, message: /two-letter/ },
    { name: 'sender with a newline', values: { 'smskannel.sender': 'VISULOX\nPIN' }, message: /sender .* contains control characters/ },
    { name: 'password with newline', values: { 'smskannel.password': 'foobar\n' }, message: /control characters/ },
    { name: 'postquery without slash', values: { 'smskannel.postquery': 'cgi-bin/sendsms' }, message: /starting with \// },
    { name: 'postquery with a NUL', values: { 'smskannel.postquery': '/cgi-bin/send\u0000sms' }, message: /^smskannel\.postquery "\/cgi-bin\/send\?sms" \(from test\) contains control characters\.$/ },
    { name: 'postquery with an escape, even before a missing slash', values: { 'smskannel.postquery': 'cgi-bin\u001b[2Jsendsms' }, message: /^smskannel\.postquery .* contains control characters\.$/ },
    { name: 'a word for insecure', values: { 'smskannel.insecure': 'maybe' }, message: /true or false/ },
    { name: 'a word for storegroupwrite (send checks it before sending)', values: { 'smskannel.storegroupwrite': 'group' }, message: /smskannel\.storegroupwrite "group" \(from test\) must be true or false/ },
  ])('$name', ({ values, message, hint }) => {
    const file: SourceValues = { ...minimal }
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete file[key as keyof SourceValues]
      else file[key as keyof SourceValues] = { value, where: 'test' }
    }
    let error: unknown
    try {
      resolveConfig({ file })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).message).toMatch(message)
    if (hint) expect((error as ConfigError).hint).toMatch(hint)
  })

  it('never quotes the password in an error', () => {
    expect(() => resolveConfig({ file: { ...minimal, 'smskannel.password': { value: 'sec\u0001ret', where: 'x' } } })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('sec') }),
    )
  })
})

describe('a block of keys checked one by one: send stops at the first, the others ride along for config', () => {
  it('throws the first bad Kannel key, as before, with each other bad one keyed and its reason', () => {
    const sources: ConfigSources = { file: { ...at('file', { 'smskannel.gwurl': 'http://kannel:13013', 'smskannel.method': 'put', 'smskannel.dlrmask': 'abc' }) } }
    let thrown: unknown
    try {
      resolveConfig(sources)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ConfigError)
    const error = thrown as ConfigError
    expect(error.message).toBe('smskannel.user is not set.')
    expect(error.setting).toEqual({ key: 'smskannel.user', reason: 'is not set.' })
    expect(error.others.map((other) => other.setting)).toEqual([
      { key: 'smskannel.password', reason: 'is not set.' },
      { key: 'smskannel.method', reason: 'must be post or get.' },
      { key: 'smskannel.dlrmask', reason: 'must be a whole number from 0 to 31.' },
    ])
  })
})

describe('a command that needs only some settings (feedback, status, serve)', () => {
  const serveSettings = ['storePath', 'durability'] as const

  it('needs no gateway and takes serve\'s durability, full by default', () => {
    expect(resolveConfig({}, serveSettings).config.durability).toBe('full')
    expect(resolveConfig({ flags: at('flag', { 'smskannel.durability': 'NORMAL' }) }, serveSettings).config.durability).toBe('normal')
    expect(() => resolveConfig({ env: at('env', { 'smskannel.durability': 'sometimes' }) }, serveSettings)).toThrow(/smskannel\.durability "sometimes" \(from env\) must be full or normal/)
  })

  it('does not fail on a key it does not read, and does when it reads it', () => {
    const { config } = resolveConfig({ file: at('file', { 'smskannel.store': 'events.db', 'smskannel.timeout': 'soon', 'regexp.sms': '^[0-9' }) }, ['storePath'])
    expect(config.storePath).toBe('events.db')
    expect(() => config.timeoutMs).toThrow(/smskannel\.timeout "soon" \(from file\)/)
    expect(() => config.numberPattern).toThrow(/not a valid regular expression/)
  })

  it('validates a key the same way for every command: a feedback URL with a #fragment is refused by all', () => {
    const file = { ...minimal, ...at('file', { 'smskannel.feedbackurl': 'http://vlx:8080/smsKannelfeedback#x' }) }
    expect(() => resolveConfig({ file })).toThrow(/must not have a #fragment/)
    expect(() => resolveConfig({ file }, ['feedbackPath'])).toThrow(/must not have a #fragment/)
  })

  it.each([
    { name: 'by default', values: {}, mode: '600' },
    { name: 'with smskannel.storegroupwrite = false', values: { 'smskannel.storegroupwrite': 'false' }, mode: '600' },
    { name: 'with smskannel.storegroupwrite = true', values: { 'smskannel.storegroupwrite': 'true' }, mode: '660' },
    { name: 'with SMSKANNEL_STOREGROUPWRITE=yes', values: { 'smskannel.storegroupwrite': 'yes' }, mode: '660' },
  ])('creates the store and its spool with mode $mode $name', ({ values, mode }) => {
    expect(resolveConfig({ env: at('env', values) }, ['storeFileMode']).config.storeFileMode.toString(8)).toBe(mode)
  })

  it('parses --param and smskannel.dlrparams once, naming where a bad one came from', () => {
    expect(resolveConfig({ flags: at('flag --param', { 'smskannel.dlrparams': 'dlr=d,reply=A' }) }, ['dlrParamNames']).config.dlrParamNames).toMatchObject({ dlrType: 'd', smscReply: 'A' })
    expect(() => resolveConfig({ flags: at('flag --param', { 'smskannel.dlrparams': 'nonsense' }) }, ['dlrParamNames'])).toThrow(/smskannel\.dlrparams "nonsense" \(from flag --param\) is not usable: "nonsense" is not NAME=QUERYNAME/)
  })
})

describe('parseConfigText', () => {
  it.each([
    { name: 'key = value', line: 'smskannel.gwurl = http://kannel:13013', want: 'http://kannel:13013' },
    { name: 'key=value without spaces', line: 'smskannel.gwurl=http://kannel:13013', want: 'http://kannel:13013' },
    { name: 'quoted value', line: 'smskannel.gwurl = "http://kannel:13013"', want: 'http://kannel:13013' },
    { name: 'key: value', line: 'smskannel.gwurl: http://kannel:13013', want: 'http://kannel:13013' },
    { name: 'a visulox table row', line: 'smskannel.gwurl        http://kannel:13013', want: 'http://kannel:13013' },
    { name: 'a bordered table row', line: '| smskannel.gwurl | http://kannel:13013 |', want: 'http://kannel:13013' },
    { name: 'upper-case key', line: 'SMSKANNEL.GWURL = http://kannel:13013', want: 'http://kannel:13013' },
  ])('reads $name', ({ line, want }) => {
    expect(parseConfigText(line, 'f').values['smskannel.gwurl']?.value).toBe(want)
  })

  it('reads the table `visulox config -name sms` prints, pasted as is', () => {
    const table = [
      'Name                   Value',
      '---------------------- ------------------------------------------',
      'regexp.sms             ^[0-9 +.\\(\\)-]{6,}$',
      'smskannel.gwurl        http://kannel.example.com:13013',
      'smskannel.postquery    /cgi-bin/sendsms',
      'smskannel.user         visulox',
      'smskannel.password     s3cr3t = yes',
      'smskannel.sender       VISULOX',
      'smskannel.feedbackurl  http://vlx.example.com:8080/smsKannelfeedback',
      'smskannel.timeout      10',
      'sms.provider           kannel',
    ].join('\n')
    const { values, warnings } = parseConfigText(table, '/tmp/table.txt')
    expect(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.value]))).toEqual({
      'regexp.sms': '^[0-9 +.\\(\\)-]{6,}$',
      'smskannel.gwurl': 'http://kannel.example.com:13013',
      'smskannel.postquery': '/cgi-bin/sendsms',
      'smskannel.user': 'visulox',
      'smskannel.password': 's3cr3t = yes',
      'smskannel.sender': 'VISULOX',
      'smskannel.feedbackurl': 'http://vlx.example.com:8080/smsKannelfeedback',
      'smskannel.timeout': '10',
      'sms.provider': 'kannel',
    })
    expect(values['smskannel.user']?.where).toBe('/tmp/table.txt:6')
    expect(warnings).toEqual([])
  })

  it('skips comments, blank lines and rulers, and warns about a misspelt key', () => {
    const { values, warnings } = parseConfigText('# comment\n\n+-----+\nsmskannel.user = u\nsmskannel.gwrul = http://x\n', 'f.conf')
    expect(Object.keys(values)).toEqual(['smskannel.user'])
    expect(warnings).toEqual(['f.conf:5: unknown key smskannel.gwrul ignored'])
  })

  it('warns about misspelt SMS4.de and HTTP-gateway keys too, not about other modules\' keys', () => {
    const { warnings } = parseConfigText('sms4de.sendr = VISULOX\nhttp.dlr-statu = x\nsms4de.user = u\nradius.server = r\n', 'f.conf')
    expect(warnings).toEqual(['f.conf:1: unknown key sms4de.sendr ignored', 'f.conf:2: unknown key http.dlr-statu ignored'])
  })

  it('ignores __proto__ and other odd keys without polluting objects', () => {
    const { values } = parseConfigText('__proto__.polluted = 1\nconstructor.prototype = 2\nsmskannel.user = u', 'f')
    expect(Object.keys(values)).toEqual(['smskannel.user'])
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
  })
})

describe('configFromEnvironment', () => {
  it('maps SMSKANNEL_GWURL and REGEXP_SMS to their keys', () => {
    const { values } = configFromEnvironment({ SMSKANNEL_GWURL: 'http://k:1', REGEXP_SMS: '^\\d+$', PATH: '/bin' }, 'environment')
    expect(values).toEqual({
      'smskannel.gwurl': { value: 'http://k:1', where: 'environment SMSKANNEL_GWURL' },
      'regexp.sms': { value: '^\\d+$', where: 'environment REGEXP_SMS' },
    })
  })

  it('warns about an unknown SMSKANNEL_ variable', () => {
    expect(configFromEnvironment({ SMSKANNEL_PASWORD: 'x' }, 'environment').warnings).toEqual(['environment: unknown variable SMSKANNEL_PASWORD ignored'])
  })

  it.each(['SMS4DE_SENDR', 'SMSHTTP_DLR_STATU'])('warns about the misspelt provider variable %s', (name) => {
    expect(configFromEnvironment({ [name]: 'x', SMS4DE_USER: 'u', SMSHTTP_URL: 'http://x' }, 'environment').warnings).toEqual([`environment: unknown variable ${name} ignored`])
  })
})
