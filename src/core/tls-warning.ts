import type { Config } from './config.js'

/**
 * smskannel.insecure only changes https:// gateways; for plain http:// there is no
 * certificate to skip, so a warning there would be noise that teaches people to ignore it.
 */
export function insecureTlsWarning(config: Pick<Config, 'insecure' | 'gatewayUrls'>): string | undefined {
  if (!config.insecure || !config.gatewayUrls.some((url) => url.startsWith('https:'))) return undefined
  return 'smskannel.insecure: the gateway\'s TLS certificate is NOT verified; anyone in between can read the PIN.'
}
