import { expect } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import type { FakeSmscMessage, KannelStack } from './kannel-stack.js'

export function uniqueToken(): string {
  return Math.random().toString(36).slice(2, 10)
}

export function gatewayEnv(stack: KannelStack, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SMSKANNEL_GWURL: stack.gatewayUrl,
    SMSKANNEL_USER: stack.user,
    SMSKANNEL_PASSWORD: stack.password,
    SMSKANNEL_FEEDBACKURL: stack.feedbackUrl,
    ...extra,
  }
}

/** The message whose text carries `token`; fakesmsc's output can lag, so order is not used. */
export function waitForMessage(stack: KannelStack, token: string): Promise<FakeSmscMessage> {
  return stack.waitFor(`a message with ${token} at fakesmsc`, () => stack.messages().find((message) => message.text.includes(token) && message.text !== ''))
}

/** Sends a marker over the same SMSC link and waits for it: whatever was sent before has arrived. */
export async function settle(stack: KannelStack): Promise<void> {
  const marker = `marker ${uniqueToken()}`
  const run = await runCli(['send', '--to', '+4930123456', '--text', marker], gatewayEnv(stack))
  expect(run.code).toBe(0)
  await waitForMessage(stack, marker)
}

/** How many messages carrying `token` reached fakesmsc, once everything sent before has arrived. */
export async function countDelivered(stack: KannelStack, token: string): Promise<number> {
  await settle(stack)
  return stack.messages().filter((message) => message.text.includes(token)).length
}

/** Proves a text never arrived: a marker sent afterwards over the same SMSC link came first. */
export async function expectNeverSent(stack: KannelStack, token: string): Promise<void> {
  expect(await countDelivered(stack, token)).toBe(0)
}
