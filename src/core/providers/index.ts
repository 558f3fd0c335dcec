import type { ResolvedConfig } from '../config.js'
import { createHttpProvider } from './generic-http.js'
import { resolveHttpSettings } from './http-config.js'
import { createKannelProvider } from './kannel.js'
import type { SmsProvider } from './provider.js'
import { resolveSms4deSettings } from './sms4de-config.js'
import { createSms4deProvider } from './sms4de.js'

/** The provider `sms.provider` names, its own keys checked (ConfigError naming the key). */
export function providerFor(resolved: Pick<ResolvedConfig, 'config' | 'values'>): SmsProvider {
  switch (resolved.config.provider) {
    case 'kannel':
      return createKannelProvider(resolved.config)
    case 'sms4de':
      return createSms4deProvider(resolveSms4deSettings(resolved.values))
    case 'http':
      return createHttpProvider(resolveHttpSettings(resolved.values), resolved.config)
  }
}
