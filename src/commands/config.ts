import { resolveConfig, type ConfigSources, type ResolvedConfig } from '../core/config.js'
import { buildCheckRequest, sendSmsEndpoint } from '../core/kannel-request.js'
import { classifyCheckResponse } from '../core/kannel-response.js'
import type { HttpClient } from '../shell/http.js'
import type { Reporter } from '../shell/output.js'

export interface ConfigInput {
  sources: ConfigSources
  check: boolean
}

export interface ConfigResult {
  effective: ResolvedConfig['effective']
  check: { gateway: string; result: 'ok' } | null
}

/** Shows the effective configuration; with check, proves gateway and credentials without sending. */
export async function showConfig(input: ConfigInput, io: { http: HttpClient; report: Reporter }): Promise<ConfigResult> {
  const { config, effective } = resolveConfig(input.sources)
  io.report.addSecrets(config.password, config.secret)
  if (!input.check) return { effective, check: null }
  const reply = await io.http.send(buildCheckRequest(config), config.timeoutMs)
  io.report.verbose(`check reply: HTTP ${reply.status} ${JSON.stringify(reply.body.slice(0, 200))}`)
  return { effective, check: { gateway: sendSmsEndpoint(config), result: classifyCheckResponse(reply) } }
}

export function formatConfigTable(effective: ResolvedConfig['effective']): string[] {
  const keyWidth = Math.max(...effective.map((row) => row.key.length))
  const valueWidth = Math.min(50, Math.max(...effective.map((row) => (row.value ?? '-').length)))
  return effective.map(({ key, value, where }) => {
    const shown = showControlCharacters(value ?? '') || '-'
    return `${key.padEnd(keyWidth)}  ${shown.padEnd(valueWidth)}  ${where}`
  })
}

/** Values are shown as written; only real control characters are made visible. */
function showControlCharacters(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))
}
