import { describe, expect, it } from 'vitest'
import { DEFAULT_TEMPLATE } from '../../src/core/config.js'
import { blameLongText, checkPinText, formatExpirationTime, readVisuloxEnvironment, renderPinTemplate, unsetPlaceholders } from '../../src/core/pin-text.js'
import { ConfigError, InputError, TextTooLongError } from '../../src/core/errors.js'
import { prepareSms4deText } from '../../src/core/providers/sms4de-text.js'

const env = { VLXPIN: '482913', VLXPIN_FMT: '482 913', VLXPIN_SEQUENCE: '4711', VLXPIN_EXPIRATIONTIME: '1795860804', VLXSMS: '+491701234567', VLXLOGINUSER: 'alice' }

describe('renderPinTemplate', () => {
  it('fills the default template with PIN, expiry and sequence', () => {
    expect(renderPinTemplate(DEFAULT_TEMPLATE, readVisuloxEnvironment(env), 'Europe/Berlin')).toBe('PIN: 482913\nValid until: 2026-11-28 11:13\nSeq: 4711')
  })

  it.each([
    { template: 'Hi ${VLXLOGINUSER}: ${VLXPIN_FMT}', want: 'Hi alice: 482 913' },
    { template: 'a\\\\nb', want: 'a\\nb' },
    { template: 'PIN ${VLXPIN_LIFETIME}.', want: 'PIN .' },
  ])('renders $template', ({ template, want }) => {
    expect(renderPinTemplate(template, readVisuloxEnvironment(env), 'UTC')).toBe(want)
  })

  it('names an unknown placeholder as a configuration error', () => {
    expect(() => renderPinTemplate('${HOME}', readVisuloxEnvironment(env), 'UTC')).toThrow(ConfigError)
  })
})

describe('unsetPlaceholders names the gaps a template would leave in the SMS', () => {
  it.each([
    { name: 'everything set', vlx: env, want: [] },
    { name: 'no expiry time', vlx: { ...env, VLXPIN_EXPIRATIONTIME: undefined }, want: ['VLXPIN_EXPIRATIONTIME'] },
    { name: 'an empty expiry time', vlx: { ...env, VLXPIN_EXPIRATIONTIME: '' }, want: ['VLXPIN_EXPIRATIONTIME'] },
    { name: 'nothing at all', vlx: {}, want: ['VLXPIN', 'VLXPIN_EXPIRATIONTIME', 'VLXPIN_SEQUENCE'] },
  ])('$name', ({ vlx, want }) => {
    expect(unsetPlaceholders(DEFAULT_TEMPLATE, readVisuloxEnvironment(vlx))).toEqual(want)
  })
})

describe('formatExpirationTime', () => {
  it.each([
    { value: '1795860804', zone: 'UTC', want: '2026-11-28 10:13' },
    { value: '1795860804', zone: 'Asia/Tokyo', want: '2026-11-28 19:13' },
    { value: '11:45', zone: 'UTC', want: '11:45' },
  ])('shows $value in $zone as $want', ({ value, zone, want }) => {
    expect(formatExpirationTime(value, zone)).toBe(want)
  })
})

describe('checkPinText warns when the user could not log in with the SMS', () => {
  const vlx = readVisuloxEnvironment(env)
  it.each([
    { text: 'PIN 482913 seq 4711', want: [] },
    { text: 'PIN 482 913 seq 4711', want: [] },
    { text: 'seq 4711', want: ['The text does not contain the PIN (VLXPIN or VLXPIN_FMT).'] },
    { text: 'PIN 482913', want: ['The text does not contain the sequence number 4711 (VLXPIN_SEQUENCE).'] },
    { text: 'PIN 482913 seq 4711 G\uFFFDltig', want: ['The text contains U+FFFD, the mark of bytes that were not UTF-8: is the wrapper\'s locale Latin-1?'] },
  ])('$text', ({ text, want }) => {
    expect(checkPinText(text, vlx)).toEqual(want)
  })

  it('does not warn for a manual test without VISULOX variables', () => {
    expect(checkPinText('hello', readVisuloxEnvironment({}))).toEqual([])
  })
})

describe('readVisuloxEnvironment', () => {
  it('refuses a sequence with control characters or a megabyte', () => {
    expect(() => readVisuloxEnvironment({ VLXPIN_SEQUENCE: '1\n2' })).toThrow(InputError)
    expect(() => readVisuloxEnvironment({ VLXPIN_SEQUENCE: '1'.repeat(1_000_000) })).toThrow(InputError)
  })

  it('treats empty variables as unset', () => {
    expect(readVisuloxEnvironment({ VLXPIN_TEXT: '', VLXPIN: '' })).toMatchObject({ text: undefined, pin: undefined })
  })
})

describe('blameLongText names the VISULOX variable that made a text too long', () => {
  const fitsSms4de = (text: string) => thrown(() => prepareSms4deText(text)) === undefined
  const thrown = (run: () => unknown) => {
    try {
      run()
      return undefined
    } catch (error) {
      return error
    }
  }

  it('for SMS4.de too: the refusal is a TextTooLongError, and the long value is named with its length', () => {
    const vlx = readVisuloxEnvironment({ ...env, VLXPIN_EXPIRATIONTIME: 'soon '.repeat(40) })
    const refused = thrown(() => prepareSms4deText(renderPinTemplate(DEFAULT_TEMPLATE, vlx, 'UTC')))
    expect(refused).toBeInstanceOf(TextTooLongError)
    const blamed = blameLongText(refused as TextTooLongError, DEFAULT_TEMPLATE, vlx, 'UTC', fitsSms4de)
    expect(blamed).toBeInstanceOf(InputError)
    expect(blamed.message).toMatch(/^The text is \d+ characters; SMS4\.de takes at most 160 in one SMS\. VLXPIN_EXPIRATIONTIME makes it so long: it holds 200 characters\.$/)
  })

  it('a long PIN is named, but neither it nor its length is told', () => {
    const pin = '7'.repeat(150)
    const vlx = readVisuloxEnvironment({ ...env, VLXPIN: pin })
    const blamed = blameLongText(new TextTooLongError('The text is too long.'), DEFAULT_TEMPLATE, vlx, 'UTC', fitsSms4de)
    expect(blamed.message).toBe('The text is too long. VLXPIN makes it so long.')
    expect(blamed.hint).toBe('Check what VISULOX sets in VLXPIN.')
    expect(`${blamed.message} ${blamed.hint}`).not.toMatch(/150|777/)
  })

  it('a template a few characters too long is the template\'s fault: no value is blamed, and the hint still says how to make room', () => {
    const vlx = readVisuloxEnvironment({ ...env, VLXPIN: '12345678', VLXPIN_SEQUENCE: '1' })
    const template = `Your PIN: \${VLXPIN} ${'x'.repeat(140)} seq \${VLXPIN_SEQUENCE}`
    const refused = thrown(() => prepareSms4deText(renderPinTemplate(template, vlx, 'UTC'))) as TextTooLongError
    expect(refused).toBeInstanceOf(TextTooLongError)
    const blamed = blameLongText(refused, template, vlx, 'UTC', fitsSms4de)
    expect(blamed.message).toBe(`${refused.message} It is smskannel.template filled in with VLXPIN_SEQUENCE (1 character).`)
    expect(blamed.hint).toBe(refused.hint)
  })
})
