import { describe, expect, it } from 'vitest'
import { redactSecrets, redactUrl } from '../../src/core/redact.js'
import { parseDurationMs } from '../../src/core/duration.js'

describe('redactSecrets', () => {
  it.each([
    { name: 'plain', text: 'password is p&ss+w=rd!', want: 'password is ********!' },
    { name: 'URL-encoded', text: 'password=p%26ss%2Bw%3Drd&to=1', want: 'password=********&to=1' },
    { name: 'form-encoded', text: 'text=PIN+482+913', secrets: ['482 913'], want: 'text=PIN+********' },
  ])('hides a secret written $name', ({ text, secrets, want }) => {
    expect(redactSecrets(text, secrets ?? ['p&ss+w=rd'])).toBe(want)
  })

  it('ignores secrets too short to hide without mangling every word', () => {
    expect(redactSecrets('a password', ['', 'p', 'pa'])).toBe('a password')
    expect(redactSecrets('a password', ['pas'])).toBe('a ********sword')
  })
})

describe('redactUrl', () => {
  it('hides password and pass, keeps the rest', () => {
    expect(redactUrl('http://k:1/cgi-bin/sendsms?username=u&password=p%26x&to=%2B49')).toBe('http://k:1/cgi-bin/sendsms?username=u&password=********&to=%2B49')
  })
})

describe('parseDurationMs', () => {
  it.each([
    { raw: '500ms', want: 500 },
    { raw: '10s', want: 10_000 },
    { raw: '10', want: 10_000 },
    { raw: '1.5s', want: 1500 },
    { raw: '2m', want: 120_000 },
    { raw: '10 s', want: 10_000 },
    { raw: 'ten', want: undefined },
    { raw: '-1', want: undefined },
    { raw: '', want: undefined },
  ])('reads $raw as $want', ({ raw, want }) => {
    expect(parseDurationMs(raw)).toBe(want)
  })
})

describe('secret forms a server makes of the bytes it got', () => {
  it.each([
    ['Latin-1', 'GrÃ¼Ã\u009fe-42'],
    ['Windows-1252', 'GrÃ¼ÃŸe-42'],
    ['Latin-1, percent-encoded again', 'Gr%C3%83%C2%BC%C3%83%C2%9Fe-42'],
    ['Latin-1, JSON with \\u escapes', 'Gr\\u00c3\\u00bc\\u00c3\\u009fe-42'],
    ['itself, as XML character references', 'Gr&#252;&#223;e-42'],
    ['itself, as hex character references', 'Gr&#xFC;&#xDF;e-42'],
    ['Latin-1, as character references', 'Gr&#195;&#188;&#195;&#159;e-42'],
  ])('hides a non-ASCII secret read as %s', (_, form) => {
    expect(redactSecrets(`pw=${form};`, ['Grüße-42'])).toBe('pw=********;')
  })
})
