import { GatewayUnavailableError } from './errors.js'

/** First pause after every gateway failed safely; doubled each round up to the maximum. */
export const INITIAL_BACKOFF_MS = 200
export const MAX_BACKOFF_MS = 2000
/** A gateway that neither accepts nor refuses (dropped packets) gets this long to connect. */
export const CONNECT_TIMEOUT_MS = 3000

/**
 * Whether sending again (to the same or the next gateway) cannot deliver the PIN twice:
 * only when the request provably never reached Kannel (refused, DNS, TLS handshake, connect
 * timeout) or Kannel said 503. After a timeout or reset once sent, only if the admin opted in.
 */
export function canTryAgain(error: unknown, retryUnsafe: boolean): error is GatewayUnavailableError {
  return error instanceof GatewayUnavailableError && (!error.mayHaveBeenSent || retryUnsafe)
}

/** The pause before the next round over all gateways. */
export function nextBackoffMs(previousMs: number): number {
  return Math.min(previousMs * 2, MAX_BACKOFF_MS)
}
