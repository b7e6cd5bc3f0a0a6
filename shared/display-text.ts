/**
 * Text from a CloudTrail record (a secret id, a user agent, an error message) is written by
 * whoever made the call. Shown on a terminal or in a chat message it must not be able to move
 * the cursor, rewrite earlier lines, change colours, set the window title, or reorder what is
 * shown (bidirectional overrides, "Trojan source"). These helpers take such characters out of
 * text meant for people, and escape them in JSON meant for machines (the value stays exact).
 */

/** ESC-introduced sequences: CSI (`ESC [ … final`), OSC/DCS/APC/PM/SOS (`ESC ] … BEL|ESC \`), and two-character escapes. */
// eslint-disable-next-line no-control-regex
const ANSI_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*[@-~]|[\]PX^_][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])|\u009b[0-?]*[ -/]*[@-~]/g;

/**
 * Characters that change how text is displayed rather than what it says: C0 controls (but tab
 * and line feed, handled by the caller), DEL, C1 controls, the bidirectional marks, embeddings,
 * overrides and isolates, and the Unicode line and paragraph separators.
 */
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

// eslint-disable-next-line no-control-regex
const INVISIBLE_OR_BREAK = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/**
 * Text safe to print on a terminal: escape sequences removed, control and bidi characters
 * removed. Line feeds and tabs are kept (the CLI prints multi-line results).
 */
export function terminalSafe(text: string): string {
  return text.replace(ANSI_SEQUENCE, '').replace(INVISIBLE, '');
}

/** One line of display text: like {@link terminalSafe}, and line breaks and tabs become spaces. */
export function singleLine(text: string): string {
  return text
    .replace(ANSI_SEQUENCE, '')
    .replace(/[\t\n\r\u2028\u2029]+/g, ' ')
    .replace(INVISIBLE_OR_BREAK, '');
}

/**
 * JSON text with every control, bidi and separator character that JSON.stringify leaves raw
 * (C1, bidi, U+2028/9) written as a `\uXXXX` escape. Outside its whitespace (tab, line feed),
 * such characters can only occur inside JSON strings, so the parsed value is unchanged; a
 * terminal or chat client showing the text sees no raw control.
 */
export function jsonDisplaySafe(json: string): string {
  return json.replace(INVISIBLE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
