import { resolveConfig, type Config, type ConfigSources, type ResolvedConfig } from '../core/config.js'
import { proxyPassword } from '../core/proxy-credentials.js'
import { SmsKannelError } from '../core/errors.js'
import { providerFor } from '../core/providers/index.js'
import type { ProviderCheckResult } from '../core/providers/provider.js'
import { ignoredFlagWarnings } from '../core/provider-flags.js'
import { insecureTlsWarning } from '../core/tls-warning.js'
import { showControlCharacters } from '../core/control-chars.js'
import { redactingReplies, type HttpClient } from '../shell/http.js'
import type { Reporter } from '../shell/output.js'

export interface ConfigInput {
  sources: ConfigSources
  check: boolean
}

export type GatewayCheck = ({ gateway: string; result: 'ok' } & ProviderCheckResult) | { gateway: string; result: 'failed'; error: SmsKannelError }

export interface ConfigResult {
  effective: ResolvedConfig['effective']
  checks: GatewayCheck[]
}

/** Shows the effective configuration; with check, proves each gateway and the credentials without sending. */
export async function showConfig(input: ConfigInput, io: { http: (config: Config) => HttpClient; report: Reporter }): Promise<ConfigResult> {
  const resolved = resolveConfig(input.sources)
  const { config, effective } = resolved
  const provider = providerFor(resolved)
  io.report.addSecrets(...provider.secrets, config.secret, proxyPassword(config.proxy))
  for (const warning of ignoredFlagWarnings(input.sources, provider.name)) io.report.warn(warning)
  for (const warning of provider.senderWarnings()) io.report.warn(warning)
  const checks: GatewayCheck[] = []
  if (!input.check) return { effective, checks }
  const tlsWarning = insecureTlsWarning({ insecure: config.insecure, gatewayUrls: [...provider.endpoints] })
  if (tlsWarning) io.report.warn(tlsWarning)
  for (const offline of provider.offlineChecks?.() ?? []) checks.push({ gateway: 'configuration', result: 'ok', ...offline })
  const http = redactingReplies(io.http(config), io.report.redact)
  for (const check of provider.checkRequests()) {
    const gateway = check.target
    try {
      const reply = await http.send(check.request, config.timeoutMs)
      io.report.verbose(`check reply from ${gateway}: HTTP ${reply.status} ${JSON.stringify(reply.body.slice(0, 200))}`)
      checks.push({ gateway, result: 'ok', ...provider.classifyCheck(reply, check) })
    } catch (error) {
      if (!(error instanceof SmsKannelError)) throw error
      checks.push({ gateway, result: 'failed', error })
    }
  }
  return { effective, checks }
}

/** The --json document: files read, effective values, and each check flat, its error as exit code and message. */
export function configDocument(files: { config: string | undefined; dotenv: string | undefined }, result: ConfigResult) {
  const checks = result.checks.map((check) =>
    check.result === 'ok'
      ? { gateway: check.gateway, result: check.result, ...check.details, warnings: check.warnings }
      : { gateway: check.gateway, result: check.result, exitCode: check.error.exitCode, error: check.error.message },
  )
  return { files, effective: result.effective, checks }
}

export function formatConfigTable(effective: ResolvedConfig['effective']): string[] {
  const keyWidth = Math.max(...effective.map((row) => row.key.length))
  const valueWidth = Math.min(50, Math.max(...effective.map((row) => (row.value ?? '-').length)))
  return effective.map(({ key, value, where }) => {
    const shown = showControlCharacters(value ?? '') || '-'
    return `${key.padEnd(keyWidth)}  ${shown.padEnd(valueWidth)}  ${where}`
  })
}
