import { CONFIG_KEYS, type ConfigKey, type ConfigSources, type ProviderName } from './config.js'
import { PROVIDER_LABELS } from './providers/provider.js'

/**
 * Flags that set another provider's key (`--sender` with sms.provider = sms4de): the send
 * goes out without them, so say so rather than let an admin believe they took effect.
 * @example ignoredFlagWarnings({ flags: { 'smskannel.sender': … } }, 'sms4de') → ['--sender sets smskannel.sender, which only Kannel reads; …']
 */
export function ignoredFlagWarnings(sources: ConfigSources, provider: ProviderName): string[] {
  const warnings: string[] = []
  for (const key of Object.keys(sources.flags ?? {}) as ConfigKey[]) {
    const spec = CONFIG_KEYS[key]
    if (spec.provider === undefined || spec.provider === provider || spec.flag === undefined) continue
    warnings.push(`${spec.flag} sets ${key}, which only ${PROVIDER_LABELS[spec.provider]} reads; sms.provider is ${provider}, so it is ignored.`)
  }
  return warnings
}
