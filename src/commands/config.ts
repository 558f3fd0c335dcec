import { CONFIG_KEY_NAMES, CONFIG_KEYS, checkEach, resolveConfig, SEND_SETTINGS, type Config, type Setting, type ConfigSources, type ResolvedConfig } from '../core/config.js'
import { proxyPassword } from '../core/proxy-credentials.js'
import { ConfigError, GatewayUnavailableError, SmsKannelError } from '../core/errors.js'
import { providerFor } from '../core/providers/index.js'
import { KEYS_WITH_LITERALS, namesOnly } from '../core/providers/http-config.js'
import type { ProviderCheckResult, SmsProvider } from '../core/providers/provider.js'
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

export type ConfigRow = ResolvedConfig['effective'][number] & { problem?: string }

export interface ConfigResult {
  effective: ConfigRow[]
  checks: GatewayCheck[]
  /** Every missing or invalid setting that send, serve or feedback would refuse; with any, nothing is checked (exit 78). */
  problems: ConfigError[]
}

const MIN_FILTERED_INVALID_SECRET = 8

/**
 * Shows the effective configuration, every missing or invalid key marked; with check and no
 * such key, proves each gateway and the credentials without sending.
 */
export async function showConfig(input: ConfigInput, io: { http: (config: Config) => HttpClient; report: Reporter }): Promise<ConfigResult> {
  const resolved = resolveConfig(input.sources, [])
  const { config } = resolved
  // Hidden before anything is validated: an invalid secret is still a secret. Not a few letters
  // ("value", "secret"), which would mangle key names: the table and errors never print one.
  io.report.addSecrets(...CONFIG_KEY_NAMES.filter((key) => CONFIG_KEYS[key].secret).map((key) => resolved.values[key]?.value).filter((value) => value !== undefined && value.length >= MIN_FILTERED_INVALID_SECRET))
  const { provider, problems } = findProblems(resolved)
  // Without valid http.* settings the provider cannot name their literal API keys for the output filter.
  const effective = markProblems(resolved.effective, problems, { literalsKnown: provider !== undefined })
  const proxyValid = !problems.some((error) => error.setting?.key === 'smskannel.proxy')
  io.report.addSecrets(...(provider?.secrets ?? []), proxyValid ? proxyPassword(config.proxy) : undefined)
  if (!provider) return { effective, checks: [], problems }
  for (const warning of ignoredFlagWarnings(input.sources, provider.name)) io.report.warn(warning)
  for (const warning of provider.senderWarnings()) io.report.warn(warning)
  if (problems.length > 0) return { effective, checks: [], problems }
  const checks: GatewayCheck[] = []
  if (!input.check) return { effective, checks, problems }
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
      checks.push({ gateway, result: 'failed', error: asProbeError(error) })
    }
  }
  return { effective, checks, problems }
}

/** Reads every setting and the provider through the one resolver, keeping each ConfigError instead of stopping at the first. */
function findProblems(resolved: ResolvedConfig): { provider: SmsProvider | undefined; problems: ConfigError[] } {
  const { config } = resolved
  const settings = checkEach()
  // send's settings first, in send's order, then what serve and feedback read: config shows them all.
  for (const setting of new Set([...SEND_SETTINGS, ...(Object.keys(config) as Setting[])])) settings.check(() => config[setting])
  const provider = settings.check(() => providerFor(resolved))
  // In the table's order, so the errors below it read top to bottom as its marks do.
  const rowOf = (error: ConfigError) => (error.setting ? CONFIG_KEY_NAMES.indexOf(error.setting.key) : CONFIG_KEY_NAMES.length)
  return { provider, problems: settings.errors().sort((a, b) => rowOf(a) - rowOf(b)) }
}

function markProblems(effective: ResolvedConfig['effective'], problems: readonly ConfigError[], options: { literalsKnown: boolean }): ConfigRow[] {
  return effective.map((row) => {
    const problem = problems.find((error) => error.setting?.key === row.key)?.setting?.reason
    const literal = !options.literalsKnown && row.value !== undefined && (KEYS_WITH_LITERALS as readonly string[]).includes(row.key)
    const shown = literal ? { ...row, value: namesOnly(row.key as (typeof KEYS_WITH_LITERALS)[number], row.value!) } : row
    return problem ? { ...shown, problem } : shown
  })
}

/**
 * The check request has no recipient, so no SMS can have gone out: a send's "may have been
 * sent" (timeout, closed connection) becomes a hint for a probe.
 */
function asProbeError(error: SmsKannelError): SmsKannelError {
  if (!(error instanceof GatewayUnavailableError) || !error.mayHaveBeenSent) return error
  return new GatewayUnavailableError(error.message, {
    mayHaveBeenSent: false,
    hint: 'The check sends no SMS, so none went out. No complete reply came back: check that the URL names the gateway\'s own port and that the gateway is not overloaded, then check again (with a longer --timeout for a slow one).',
  })
}

/** The --json document: files read, effective values, and each check flat, its error as exit code and message. */
export function configDocument(files: { config: string | undefined; dotenv: string | undefined }, result: ConfigResult) {
  const checks = result.checks.map((check) =>
    check.result === 'ok'
      ? { gateway: check.gateway, result: check.result, ...check.details, warnings: check.warnings }
      : { gateway: check.gateway, result: check.result, exitCode: check.error.exitCode, error: check.error.message },
  )
  const problems = result.problems.map((error) => ({ key: error.setting?.key ?? null, exitCode: error.exitCode, error: error.message }))
  return { files, effective: result.effective, problems, checks }
}

export function formatConfigTable(effective: readonly ConfigRow[]): string[] {
  const keyWidth = Math.max(...effective.map((row) => row.key.length))
  const valueWidth = Math.min(50, Math.max(...effective.map((row) => (row.value ?? '-').length)))
  const whereWidth = Math.max(...effective.map((row) => row.where.length))
  return effective.map(({ key, value, where, problem }) => {
    const shown = showControlCharacters(value ?? '') || '-'
    const line = `${key.padEnd(keyWidth)}  ${shown.padEnd(valueWidth)}  ${where}`
    return problem ? `${line.padEnd(keyWidth + valueWidth + whereWidth + 4)}  ✗ ${problem}` : line
  })
}
