/**
 * Control characters: C0 (U+0000-U+001F), DEL and C1 (U+0080-U+009F). None belongs in a
 * setting, a key or a one-line message, and none may reach a terminal from the wire.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
const EVERY_CONTROL = /[\u0000-\u001f\u007f-\u009f]/g

/**
 * The same set less tab, newline and CR: an SMS text keeps its line breaks, and sms-text
 * turns a tab into a space itself.
 */
export const CONTROL_BUT_TAB_AND_LINE_BREAKS = /[\u0000-\u0008\u000b-\u000c\u000e-\u001f\u007f-\u009f]/g

export function hasControlCharacters(text: string): boolean {
  return CONTROL.test(text)
}

/** Each control character as `?`: for one-line messages and text that came from the wire. */
export function replaceControlCharacters(text: string): string {
  return text.replace(EVERY_CONTROL, '?')
}

/** Each control character made visible (\n, \t, \xNN), for values shown as they were written. */
export function showControlCharacters(text: string): string {
  return text.replace(EVERY_CONTROL, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))
}
