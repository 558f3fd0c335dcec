import { misreadings } from './charset.js'
import type { SmsProvider } from './provider.js'
import type { Sms4deSettings } from './sms4de-config.js'
import { classifySms4deCheckReply, classifySms4deSendReply, parseSms4deDlrReply } from './sms4de-reply.js'
import { buildSms4deCheckRequest, buildSms4deDlrRequest, buildSms4deSendRequest, describeSms4deRequest } from './sms4de-request.js'
import { encodeLatin9, hexForms, percentEncodeBytes, prepareSms4deText } from './sms4de-text.js'

/** Assumed: the manual names no limit; 20 ids of ~10 digits keep the URL near 300 bytes. */
const SMS4DE_IDS_PER_REQUEST = 20

/**
 * How the password travels to SMS4.de (ISO-8859-15, percent-encoded in either hex case) and
 * how an echo of its raw bytes reads once misread (as UTF-8, Latin-1): a server that quotes
 * the request must not show it in any of them.
 */
function passwordForms(password: string): string[] {
  const latin9 = encodeLatin9(password)
  if (!latin9) return []
  const encoded = percentEncodeBytes(latin9)
  return [encoded, encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()), ...misreadings(latin9)]
}

/** SMS4.de's HTTP API (docs/sms4de.md) behind the provider interface. */
export function createSms4deProvider(settings: Sms4deSettings): SmsProvider {
  return {
    name: 'sms4de',
    label: 'SMS4.de',
    // One URL: SMS4.de is one service; the safe-retry rules still apply to it.
    endpoints: [settings.sendUrl],
    secrets: [settings.password, ...passwordForms(settings.password)],
    encodedForms(secret) {
      const latin9 = encodeLatin9(secret)
      return [...(latin9 ? [percentEncodeBytes(latin9)] : []), ...hexForms(secret)]
    },
    // sms4de.sender is refused when SMS4.de would refuse it (sms4de-config.ts): nothing left to warn about.
    senderWarnings: () => [],
    prepareText: prepareSms4deText,
    buildRequest: (sms, endpoint) => buildSms4deSendRequest(settings, sms, endpoint),
    describeRequest: describeSms4deRequest,
    classifyReply: (reply) => classifySms4deSendReply(reply, settings.password),
    checkRequests: () => [{ target: settings.checkUrl, request: buildSms4deCheckRequest(settings) }],
    classifyCheck: (reply) => classifySms4deCheckReply(reply, settings),
    polling: {
      maxIdsPerRequest: SMS4DE_IDS_PER_REQUEST,
      buildRequest: (smsIds) => buildSms4deDlrRequest(settings, smsIds),
      parseReply: (reply, sends, receivedAt) => parseSms4deDlrReply(reply, sends, receivedAt, settings.timeZone),
    },
  }
}
