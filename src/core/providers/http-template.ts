/** What a template of the generic HTTP provider may name: the message, then the secrets. */
export const TEMPLATE_NAMES = ['to', 'to_digits', 'text', 'coding', 'unicode', 'sender', 'message_id', 'sequence', 'feedback_url', 'user', 'password', 'token'] as const
export type TemplateName = (typeof TEMPLATE_NAMES)[number]
export type TemplateValues = Readonly<Partial<Record<TemplateName, string>>>

/** A template split once, when the configuration is read, into literal text and placeholders. */
export type Template = ReadonlyArray<string | { name: TemplateName }>

const PLACEHOLDER = /\{\{|\}\}|\{([a-z_]*)\}|[{}]/g

/**
 * Parses `text {to} more`; `{{` and `}}` are literal braces. A value filled in later is
 * never parsed again, so a `}` or `&` in the SMS text is data.
 * @example parseTemplate('to={to}') → ['to=', { name: 'to' }]
 */
export function parseTemplate(text: string): Template | { error: string } {
  const parts: Array<string | { name: TemplateName }> = []
  let literal = ''
  let last = 0
  for (const match of text.matchAll(PLACEHOLDER)) {
    literal += text.slice(last, match.index)
    last = match.index + match[0].length
    if (match[0] === '{{' || match[0] === '}}') {
      literal += match[0][0]
      continue
    }
    const name = match[1]
    if (name === undefined) return { error: `a lone "${match[0]}" at position ${match.index + 1} (write {{ or }} for a literal brace)` }
    if (!(TEMPLATE_NAMES as readonly string[]).includes(name)) return { error: `{${name}} is not one of ${TEMPLATE_NAMES.map((known) => `{${known}}`).join(', ')}` }
    if (literal !== '') parts.push(literal)
    literal = ''
    parts.push({ name: name as TemplateName })
  }
  literal += text.slice(last)
  if (literal !== '') parts.push(literal)
  return parts
}

export function fillTemplate(template: Template, values: TemplateValues): string {
  return template.map((part) => (typeof part === 'string' ? part : (values[part.name] ?? ''))).join('')
}

export function templateNames(template: Template): TemplateName[] {
  return template.flatMap((part) => (typeof part === 'string' ? [] : [part.name]))
}

export interface TemplatedField {
  name: string
  value: Template
}

const FIELD_NAME = /^[A-Za-z0-9_.\-[\]]+$/

/**
 * `to=…&text=…&apikey=…`: what an error may quote of http.params, whose values may be
 * credentials. What is no field name (a key pasted without its `name=`) is not shown either.
 */
export function paramNames(text: string): string {
  const names = text.split('&').filter((pair) => pair.trim() !== '').map((pair) => pair.split('=', 1)[0]!.trim())
  return names.map((name) => (FIELD_NAME.test(name) ? `${name}=…` : '…')).join('&')
}

/**
 * `name=value&name=value`: split on `&` and the first `=` before anything is filled in.
 * Names and the literal parts of values are taken as written (not percent-decoded).
 */
export function parseParams(text: string): TemplatedField[] | { error: string } {
  const fields: TemplatedField[] = []
  const pairs = text.split('&').filter((pair) => pair.trim() !== '')
  for (const [index, pair] of pairs.entries()) {
    const equals = pair.indexOf('=')
    const name = (equals === -1 ? pair : pair.slice(0, equals)).trim()
    // Not quoted: it may be a key pasted without its name.
    if (!FIELD_NAME.test(name)) return { error: `field ${index + 1} has no field name (letters, digits, _ . - [ ]) before its =` }
    const value = parseTemplate(equals === -1 ? '' : pair.slice(equals + 1))
    if ('error' in value) return { error: `${name}: ${value.error}` }
    fields.push({ name, value })
  }
  return fields
}

const HEADER_ENTRY = /^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*:\s?(.*?)\s*$/

/** `Authorization: …; X-Trace: …`: what an error may quote of http.headers, whose values may be credentials. */
export function headerNames(text: string): string {
  const names = text.split(';').filter((entry) => entry.trim() !== '').map((entry) => HEADER_ENTRY.exec(entry)?.[1])
  return names.map((name) => (name ? `${name}: …` : '…')).join('; ')
}

/** `Name: value; Name: value`, values templated. */
export function parseHeaders(text: string): TemplatedField[] | { error: string } {
  const headers: TemplatedField[] = []
  for (const [index, entry] of text.split(';').entries()) {
    if (entry.trim() === '') continue
    const match = HEADER_ENTRY.exec(entry)
    // Not quoted: the entry may be a credential whose name was left out.
    if (!match) return { error: `entry ${index + 1} is not Name: value` }
    const value = parseTemplate(match[2]!)
    if ('error' in value) return { error: `${match[1]}: ${value.error}` }
    headers.push({ name: match[1]!.toLowerCase(), value })
  }
  return headers
}

/** A JSON template: valid JSON whose strings may hold placeholders; the rest is kept as is. */
export type JsonTemplate = null | boolean | number | TemplateText | JsonTemplate[] | { [key: string]: JsonTemplate }

/** A JSON string that holds a template, told apart from JSON arrays by its class. */
export class TemplateText {
  readonly template: Template
  constructor(template: Template) {
    this.template = template
  }
}

export function parseJsonTemplate(text: string): { template: JsonTemplate } | { error: string } {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return { error: 'is not valid JSON' }
  }
  const errors: string[] = []
  const walk = (value: unknown): JsonTemplate => {
    if (typeof value === 'string') {
      const template = parseTemplate(value)
      if ('error' in template) {
        errors.push(template.error)
        return null
      }
      return new TemplateText(template)
    }
    if (Array.isArray(value)) return value.map(walk)
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, walk(inner)]))
    return value as null | boolean | number
  }
  const template = walk(json)
  return errors.length > 0 ? { error: errors[0]! } : { template }
}

/** Fills a JSON template; each value lands inside a JSON string, escaped by JSON.stringify. */
export function fillJsonTemplate(template: JsonTemplate, values: TemplateValues): unknown {
  if (template === null || typeof template !== 'object') return template
  if (template instanceof TemplateText) return fillTemplate(template.template, values)
  if (Array.isArray(template)) return template.map((inner) => fillJsonTemplate(inner, values))
  return Object.fromEntries(Object.entries(template).map(([key, inner]) => [key, fillJsonTemplate(inner, values)]))
}
