import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { thrown } from '../helpers/thrown.js'
import { parseConfigText } from '../../src/core/config-file.js'
import { ConfigError } from '../../src/core/errors.js'
import { wikiTable } from '../helpers/visulox-table.js'

const EXAMPLES = join(import.meta.dirname, '../../examples')

function valuesOf(text: string, fileName = 'f.conf'): Record<string, string> {
  return Object.fromEntries(Object.entries(parseConfigText(text, fileName).values).map(([key, sourced]) => [key, sourced.value]))
}

describe('parseConfigText reads every shape of the VISULOX table', () => {
  const box = wikiTable('http://127.0.0.1:13013')
  const expected = {
    'regexp.sms': '^[0-9 +]*$',
    'smskannel.gwurl': 'http://127.0.0.1:13013/cgi-bin/sendsms',
    'smskannel.postquery': '/cgi-bin/sendsms',
    'smskannel.user': 'visulox',
    'smskannel.sender': 'VISULOX RA 2FA PIN',
  }
  it.each([
    { name: 'the wiki box with the command line above it', text: box },
    { name: 'the box with CRLF line ends', text: box.replaceAll('\n', '\r\n') },
    { name: 'the box saved with a byte order mark', text: '\uFEFF' + box },
    { name: 'the box after a root prompt with host name', text: '[root@vlx ~]# visulox config -name sms\n' + box.split('\n').slice(1).join('\n') },
    { name: 'the box with trailing spaces', text: box.replaceAll('\n', '   \n') },
    { name: 'the box without the command line', text: box.split('\n').slice(1).join('\n') },
    { name: 'the box with $ prompt before the command', text: box.replace('# visulox', '$ visulox') },
    { name: 'the box with other column widths', text: box.replace(/ {2,}\|/g, ' |').replace(/\| {2,}/g, '| ') },
    { name: 'the box without the trailing border', text: box.replace(/ *\|$/gm, '') },
    { name: 'the box with + corners', text: box.replace(/^-+$/gm, '+---------+-----------------------+----------------------+') },
    { name: 'the box pasted with box-drawing characters', text: box.replaceAll('|', '│').replace(/^-+$/gm, '─'.repeat(40)) },
    { name: 'the box inside a wiki code fence', text: '```\n' + box + '```\n' },
    {
      name: 'the box with no changed column',
      text: '| key | value |\n|---|---|\n' + Object.entries(expected).map(([key, value]) => `| ${key} | ${value} |`).join('\n'),
    },
    {
      name: 'the two-column table',
      text: 'Name                 Value\n-------------------- -----------\n' + Object.entries(expected).map(([key, value]) => `${key.padEnd(21)}${value}`).join('\n'),
    },
    { name: 'key = value lines', text: Object.entries(expected).map(([key, value]) => `${key} = ${value}`).join('\n') },
  ])('$name', ({ text }) => {
    const { warnings } = parseConfigText(text, 'f.conf')
    expect(valuesOf(text)).toEqual(expected)
    expect(warnings).toEqual([])
  })

  it.each([
    { name: 'a regexp with | in the value column', line: '|   | regexp.sms   | ^(\\+49|0049)[0-9 ]+$    |', key: 'regexp.sms', want: '^(\\+49|0049)[0-9 ]+$' },
    { name: 'an empty value column', line: '| * | smskannel.sender |        |', key: 'smskannel.sender', want: '' },
    { name: 'a value with = in it', line: '|   | smskannel.password | a=b  |', key: 'smskannel.password', want: 'a=b' },
    { name: 'a value with # in it (tables have no comments)', line: '|   | smskannel.password | a #b |', key: 'smskannel.password', want: 'a #b' },
    { name: 'a two-column row with a lone key', line: 'smskannel.sender', key: 'smskannel.sender', want: '' },
  ])('reads $name', ({ line, key, want }) => {
    expect(valuesOf(`smskannel.user = u\n${line}`)[key]).toBe(want)
  })

  it('names the file and line of every row it read', () => {
    const { values } = parseConfigText(box, '/etc/sms.conf')
    expect(values['smskannel.gwurl']?.where).toBe('/etc/sms.conf:6')
  })

  it.each([
    { name: 'a value the terminal wrapped onto the next row', line: '|         |                       | cgi-bin/sendsms |', warning: 'f.conf:2: a table row without a key where | changed | key | value | has it; line ignored' },
    { name: 'a row without a key', line: '| * | gwurl | http://x |', warning: 'f.conf:2: a table row without a key where | changed | key | value | has it; line ignored' },
    { name: 'a row whose changed column holds a word', line: '| changed-yesterday | smskannel.gwurl | http://x |', warning: 'f.conf:2: a table row without a key where | changed | key | value | has it; line ignored' },
    { name: 'an undotted key = value', line: 'gwurl = http://x', warning: 'f.conf:2: not a key = value line: keys are dotted, such as smskannel.gwurl; line ignored' },
    { name: 'a misspelt key', line: '| * | smskannel.gwrul | http://x |', warning: 'f.conf:2: unknown key smskannel.gwrul ignored' },
  ])('warns, naming file and line, about $name', ({ line, warning }) => {
    const { values, warnings } = parseConfigText(`smskannel.user = u\n${line}`, 'f.conf')
    expect(warnings).toEqual([warning])
    expect(Object.keys(values)).toEqual(['smskannel.user'])
  })

  it('never repeats a row\'s value in its warning (it may be a password)', () => {
    const { warnings } = parseConfigText('smskannel.user = u\n| x | passwort | s3cret-value |', 'f.conf')
    expect(warnings.join('\n')).not.toContain('s3cret')
  })

  it.each([
    { name: 'an empty file', text: '' },
    { name: 'only comments and rulers', text: '# comment\n\n+-----+\n' },
    { name: 'an HTML page saved by mistake', text: '<html><body>Login</body></html>' },
    { name: 'rows without keys', text: '| * | gwurl | http://x |' },
  ])('refuses $name: no key, exit 78, with the shapes it understands', ({ text }) => {
    const error = thrown(() => parseConfigText(text, '/etc/sms.conf'))
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).exitCode).toBe(78)
    expect((error as ConfigError).message).toMatch(/^The config file \/etc\/sms\.conf holds no setting sms-kannel can read/)
    expect((error as ConfigError).hint).toContain('| changed | key | value |')
    expect((error as ConfigError).hint).toContain('key = value')
  })
})

describe('comments in key = value lines', () => {
  it.each([
    { name: 'a # after whitespace', line: 'smskannel.method = post          # post or get', want: 'post' },
    { name: 'a # with no whitespace before it is part of the value', line: 'smskannel.password = pa#ss', want: 'pa#ss' },
    { name: 'a quoted value keeps its #', line: 'smskannel.password = "pa #ss"  # quoted', want: 'pa #ss' },
    { name: 'a single-quoted value', line: "smskannel.password = 'pa #ss'", want: 'pa #ss' },
    { name: 'a tab before #', line: 'smskannel.password = pass\t# comment', want: 'pass' },
    { name: 'an unterminated quote stays as written', line: 'smskannel.password = "pass', want: '"pass' },
  ])('$name', ({ line, want }) => {
    expect(Object.values(valuesOf(line))[0]).toBe(want)
  })

  it.each(readdirSync(EXAMPLES).filter((name) => /\.(conf|txt)$/.test(name) && !name.startsWith('apache') && name !== 'kannel.conf'))(
    'examples/%s stays valid with every commented key uncommented',
    (name) => {
      const text = readFileSync(join(EXAMPLES, name), 'utf8')
      const uncommented = text.replace(/^# (?=[a-z]+\.[a-z]+ = )/gm, '')
      const { values, warnings } = parseConfigText(uncommented, name)
      expect(warnings).toEqual([])
      for (const [key, sourced] of Object.entries(values)) {
        expect(sourced.value, key).not.toMatch(/\s#|^\s|\s$/)
      }
      if (name === 'sms-kannel.conf') {
        expect(valuesOf(uncommented)).toMatchObject({ 'smskannel.method': 'post', 'smskannel.dlrmask': '31', 'smskannel.maxparts': '1', 'smskannel.country': 'DE' })
      }
    },
  )
})
