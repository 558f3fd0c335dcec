import { createHmac, timingSafeEqual } from 'node:crypto'

/** Hex digits of the HMAC kept in the dlr-url: 128 bits, short enough for any URL. */
const TOKEN_HEX_LENGTH = 32

/**
 * The token `send` puts into the dlr-url and `serve` checks: HMAC-SHA256 over the message id
 * and the sequence, keyed with smskannel.secret. Only someone who knows the secret can make
 * a callback `serve` accepts.
 * @example callbackToken('s3cret', '6f1c…', '4711') → '9b1e…' (32 hex digits)
 */
export function callbackToken(secret: string, messageId: string, sequence: string | null): string {
  return createHmac('sha256', secret).update(`${messageId}\n${sequence ?? ''}`).digest('hex').slice(0, TOKEN_HEX_LENGTH)
}

/** Constant-time: how much of a forged token is right must not show in the answer's timing. */
export function isValidCallbackToken(secret: string, messageId: string | null, sequence: string | null, token: string | undefined): boolean {
  const expected = Buffer.from(callbackToken(secret, messageId ?? '', sequence), 'utf8')
  const given = Buffer.alloc(TOKEN_HEX_LENGTH)
  given.write(token ?? '', 'utf8')
  const sameLength = token !== undefined && Buffer.byteLength(token) === TOKEN_HEX_LENGTH
  return timingSafeEqual(expected, given) && sameLength && messageId !== null
}
