import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { EXIT } from '../../src/core/errors.js'
import { runCli } from '../helpers/run-cli.js'
import { describeWithKannel, startKannel, type KannelStack } from './kannel-stack.js'
import { gatewayEnv, uniqueToken, waitForMessage } from './messages.js'

const PIN = '604417'
const EXAMPLE = join(import.meta.dirname, '../../examples/http-kannel.conf')

describeWithKannel('Kannel written as a generic HTTP provider (examples/http-kannel.conf)', () => {
  let stack: KannelStack
  beforeAll(async () => {
    stack = await startKannel()
  })
  afterAll(async () => {
    await stack?.stop()
  })

  const genericEnv = (extra: Record<string, string>) => ({
    SMSHTTP_URL: `${stack.gatewayUrl}/cgi-bin/sendsms`,
    SMSHTTP_USER: stack.user,
    SMSHTTP_PASSWORD: stack.password,
    ...extra,
  })

  it.each([
    { name: 'GSM with umlauts, € and brackets', text: `Ihre PIN: ${PIN}\nGültig € [x] {ä|ö|ü|ß}`, type: 'text' },
    { name: 'Cyrillic and an emoji', text: `Ваш PIN: ${PIN} 😀`, type: 'ucs-2' },
  ])('delivers $name to the SMSC exactly as the built-in sender does', async ({ text, type }) => {
    const [builtInToken, genericToken] = [uniqueToken(), uniqueToken()]
    const builtIn = `${text} ${builtInToken}`
    const generic = `${text} ${genericToken}`
    const viaKannel = await runCli([], gatewayEnv(stack, { VLXSMS: '+49 170 1234567', VLXPIN: PIN, VLXPIN_TEXT: builtIn }))
    const viaGeneric = await runCli(['--config', EXAMPLE, '--json'], genericEnv({ VLXSMS: '+49 170 1234567', VLXPIN: PIN, VLXPIN_TEXT: generic }))
    expect([viaKannel.code, viaGeneric.code]).toEqual([EXIT.ok, EXIT.ok])
    expect(JSON.parse(viaGeneric.stdout)).toMatchObject({ provider: 'http', outcome: 'accepted', httpStatus: 202, reply: '0: Accepted for delivery' })
    const [first, second] = [await waitForMessage(stack, builtInToken), await waitForMessage(stack, genericToken)]
    expect(first).toEqual({ from: '13013', to: '+491701234567', type, text: builtIn, parts: 1 })
    expect({ ...second, text: second.text.replace(generic, builtIn) }).toEqual(first)
    for (const output of [viaGeneric.stdout, viaGeneric.stderr]) expect(output).not.toContain(stack.password)
  })

  it('a wrong password is Kannel\'s 403: exit 77, as with the built-in sender', async () => {
    const run = await runCli(['--config', EXAMPLE], genericEnv({ SMSHTTP_PASSWORD: 'wrong-password-3', VLXSMS: '+491701234567', VLXPIN_TEXT: 'x' }))
    expect(run.code).toBe(EXIT.auth)
    expect(run.stderr).not.toContain('wrong-password-3')
  })
})
