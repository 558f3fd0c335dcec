import type { Config } from '../config.js'
import { buildCheckRequest, buildSendRequest, sendSmsEndpoint, type OutgoingSms, type SendRequest } from '../kannel-request.js'
import { classifyCheckResponse, classifySendResponse } from '../kannel-response.js'
import { redactUrl, REDACTED } from '../redact.js'
import { senderWarnings } from '../sender.js'
import { prepareText } from '../sms-text.js'
import type { DescribedRequest, SmsProvider } from './provider.js'
import { hexForms } from './sms4de-text.js'

/** Kannel's smsbox behind the provider interface: the same functions send always used. */
export function createKannelProvider(config: Config): SmsProvider {
  return {
    name: 'kannel',
    label: 'Kannel',
    endpoints: config.gatewayUrls,
    secrets: [config.password],
    encodedForms: hexForms,
    senderWarnings: () => senderWarnings(config.sender),
    prepareText(raw) {
      const { text, analysis, warnings } = prepareText(raw, config.maxParts)
      if (analysis.splitsSurrogatePair) warnings.push('An emoji falls on an SMS part boundary; Kannel splits it there and the phone may show it broken.')
      return { text, encoding: analysis.encoding, units: analysis.units, parts: analysis.parts, warnings }
    },
    // Kannel's own prepareText chose the encoding, so it is GSM 7-bit or UCS-2.
    buildRequest: (sms, endpoint) => buildSendRequest(config, sms as OutgoingSms, endpoint),
    describeRequest: describeKannelRequest,
    classifyReply: (reply) => ({ ...classifySendResponse(reply), providerId: null, warnings: [] }),
    checkRequests: () => config.gatewayUrls.map((gatewayUrl) => ({ target: sendSmsEndpoint(gatewayUrl, config), request: buildCheckRequest(config, gatewayUrl) })),
    classifyCheck(reply, check) {
      classifyCheckResponse(reply)
      return { summary: `${check.target} is a Kannel smsbox and accepts these credentials (nothing was sent).`, warnings: [] }
    },
  }
}

/** The request as --dry-run and --verbose show it: password replaced; the PIN is hidden by the reporter. */
export function describeKannelRequest(request: SendRequest): DescribedRequest {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) headers[name] = name === 'x-kannel-password' ? REDACTED : value
  return { method: request.method, url: redactUrl(request.url), headers, body: request.body ?? null }
}
