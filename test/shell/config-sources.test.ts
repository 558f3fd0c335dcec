import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../src/core/config.js'
import { ConfigError } from '../../src/core/errors.js'
import { gatherConfigSources } from '../../src/shell/config-sources.js'

function tempDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-config-'))
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content, { mode: 0o600 })
  return dir
}

const base = { configPath: undefined, envFilePath: undefined, env: {}, flags: {}, passwordFile: true }

describe('gatherConfigSources', () => {
  it('reads config file, ./.env, environment and flags with the documented precedence', async () => {
    const dir = tempDir({
      'sms.conf': 'smskannel.gwurl = http://file:1\nsmskannel.user = fileuser\nsmskannel.password = filepw\nsmskannel.timeout = 3\nsmskannel.sender = 111\n',
      '.env': 'SMSKANNEL_USER=dotenvuser\nSMSKANNEL_TIMEOUT=4\nSMSKANNEL_SENDER=222\n',
    })
    const { sources, files } = await gatherConfigSources({
      ...base,
      configPath: 'sms.conf',
      env: { SMSKANNEL_TIMEOUT: '5', SMSKANNEL_SENDER: '333' },
      flags: { 'smskannel.sender': { value: '444', where: 'flag --sender' } },
      cwd: dir,
    })
    expect(files).toEqual({ config: join(dir, 'sms.conf'), dotenv: join(dir, '.env') })
    const { config, effective } = resolveConfig(sources)
    expect(config).toMatchObject({ gatewayUrls: ['http://file:1'], username: 'dotenvuser', password: 'filepw', timeoutMs: 5000, sender: '444' })
    expect(effective.find((row) => row.key === 'smskannel.user')?.where).toBe(`${join(dir, '.env')} SMSKANNEL_USER`)
    expect(effective.find((row) => row.key === 'smskannel.gwurl')?.where).toBe(`${join(dir, 'sms.conf')}:1`)
  })

  it('warns, without the value, when an unquoted .env value is cut at a "#" (a comment after a space is fine)', async () => {
    const dir = tempDir({ '.env': 'SMSKANNEL_PASSWORD=Ab3#xY9!qq\nSMSKANNEL_USER=vlx # the user\nSMSKANNEL_SENDER="VLX#1"\n' })
    const { sources, warnings } = await gatherConfigSources({ ...base, cwd: dir })
    expect(sources.dotenv?.['smskannel.password']?.value).toBe('Ab3')
    expect(warnings.filter((warning) => warning.includes('"#"'))).toEqual([`${join(dir, '.env')}: SMSKANNEL_PASSWORD is cut at its "#", which starts a comment in a .env file; put the value in quotes: SMSKANNEL_PASSWORD="...".`])
    expect(warnings.join('\n')).not.toContain('xY9')
  })

  it('finds the config file through SMSKANNEL_CONFIG, for the wrapper that passes no flags', async () => {
    const dir = tempDir({ 'vlx.conf': 'smskannel.gwurl = http://viaenv:1\n' })
    const { sources } = await gatherConfigSources({ ...base, env: { SMSKANNEL_CONFIG: join(dir, 'vlx.conf') }, cwd: '/' })
    expect(sources.file?.['smskannel.gwurl']?.value).toBe('http://viaenv:1')
  })

  it('reads the password from a password file at the precedence of the source naming it', async () => {
    const dir = tempDir({ 'pw': 's3cret\n', 'sms.conf': 'smskannel.password = frömfile\n' })
    const { sources } = await gatherConfigSources({ ...base, env: { SMSKANNEL_PASSWORDFILE: 'pw' }, configPath: 'sms.conf', cwd: dir })
    expect(sources.env?.['smskannel.password']).toEqual({ value: 's3cret', where: `password file ${join(dir, 'pw')}` })
  })

  it('warns when the password file is readable by everyone', async () => {
    const dir = tempDir({ pw: 's3cret' })
    chmodSync(join(dir, 'pw'), 0o644)
    const { warnings } = await gatherConfigSources({ ...base, flags: { 'smskannel.passwordfile': { value: 'pw', where: 'flag --password-file' } }, cwd: dir })
    expect(warnings).toEqual([`The password file ${join(dir, 'pw')} is readable by everyone; chmod 600 it.`])
  })

  it.each([
    { name: 'a named config file that does not exist', options: { configPath: 'nope.conf' }, files: {}, message: /Cannot read the config file .*nope\.conf: no such file/ },
    { name: 'an empty password file', options: { env: { SMSKANNEL_PASSWORDFILE: 'pw' } }, files: { pw: '\n' }, message: /password file .* is empty/ },
    { name: 'password and password file in one source', options: { env: { SMSKANNEL_PASSWORDFILE: 'pw', SMSKANNEL_PASSWORD: 'x' } }, files: { pw: 'y' }, message: /keep one/ },
    { name: 'a config file over 1 MiB', options: { configPath: 'big.conf' }, files: { 'big.conf': '#'.repeat(1024 * 1024 + 1) }, message: /larger than 1 MiB/ },
  ])('refuses $name with a ConfigError', async ({ options, files, message }) => {
    const dir = tempDir(files)
    const failure = gatherConfigSources({ ...base, ...options, cwd: dir })
    await expect(failure).rejects.toThrow(ConfigError)
    await expect(failure).rejects.toThrow(message)
  })
})

describe('a file holding a secret that everyone can read', () => {
  it.each([
    ['config file', 'smskannel.password = s3cret-pass\n', 'smskannel.password', 0o644, true],
    ['config file', 'smskannel.secret = 0123456789abcdef0123\n', 'smskannel.secret', 0o604, true],
    ['config file', 'smskannel.proxy = http://u:pw@127.0.0.1:3128\n', 'smskannel.proxy', 0o644, true],
    ['config file', 'smskannel.password = s3cret-pass\n', 'smskannel.password', 0o640, false],
    ['config file', 'smskannel.user = tester\n', '', 0o644, false],
    ['.env file', 'SMSKANNEL_PASSWORD=s3cret-pass\n', 'smskannel.password', 0o644, true],
    ['.env file', 'SMSKANNEL_PASSWORD=s3cret-pass\n', 'smskannel.password', 0o600, false],
  ] as const)('%s with %j, mode %o: warned %s', async (what, text, key, mode, warned) => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-perm-'))
    const path = join(dir, what === '.env file' ? '.env' : 'sms.conf')
    writeFileSync(path, text)
    chmodSync(path, mode)
    const gathered = await gatherConfigSources({ configPath: what === 'config file' ? path : undefined, envFilePath: what === '.env file' ? path : undefined, env: {}, flags: {}, cwd: dir, passwordFile: true })
    const warning = `The ${what} ${path} holds ${key} and is readable by everyone (mode 0${mode.toString(8)}); chmod 600 it.`
    if (warned) expect(gathered.warnings).toContain(warning)
    else expect(gathered.warnings.filter((line) => line.includes('readable by everyone'))).toEqual([])
  })
})
