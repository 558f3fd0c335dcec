import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CONFIG_KEYS, CONFIG_KEY_NAMES } from '../src/core/config.js'
import { EXIT_CODE_TABLE } from '../src/core/errors.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

describe('README stays in step with the code', () => {
  it.each(EXIT_CODE_TABLE)('lists exit code $code with its meaning', ({ code, meaning }) => {
    expect(readme).toContain(`| ${code} | ${meaning} |`)
  })

  it.each(CONFIG_KEY_NAMES.filter((key) => key !== 'smskannel.passwordfile'))('documents %s', (key) => {
    expect(readme).toContain(`| \`${key}\` |`)
    const defaultValue = CONFIG_KEYS[key].defaultValue
    if (defaultValue) expect(readme).toContain(defaultValue.replaceAll('\\\\', '\\'))
  })
})
