/** The table from the VISULOX wiki page, as `visulox config -name sms` prints it. */
export function wikiTable(gatewayUrl: string, options: { user?: string; sender?: string } = {}): string {
  const rows: Array<[string, string, string]> = [
    ['', 'regexp.sms', '^[0-9 +]*$'],
    ['*', 'smskannel.gwurl', `${gatewayUrl}/cgi-bin/sendsms`],
    ['', 'smskannel.postquery', '/cgi-bin/sendsms'],
    ['*', 'smskannel.user', options.user ?? 'visulox'],
    ['*', 'smskannel.sender', options.sender ?? 'VISULOX RA 2FA PIN'],
  ]
  const ruler = '-'.repeat(74)
  const row = (changed: string, key: string, value: string) => `| ${changed.padEnd(7)} | ${key.padEnd(21)} | ${value.padEnd(36)} |`
  return ['# visulox config -name sms', ruler, row('changed', 'key', 'value'), ruler, ...rows.map((cells) => row(...cells)), ruler, ''].join('\n')
}
