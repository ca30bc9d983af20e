/**
 * Values and problems as messages show them: cut short, so that a 2 MiB value makes a line of a
 * few hundred characters, not a 20 MB error (Lambda's error, and the failure queue's message, hold
 * far less).
 */

/** Characters of one value shown in a message. */
export const SHOWN_VALUE_CHARS = 200;
/** Characters of one problem (one record's message). */
export const SHOWN_PROBLEM_CHARS = 1000;
/** Problems listed in one error; the count says how many there were. */
export const SHOWN_PROBLEMS = 10;

/** The text, or its first `max` characters and how long it was. */
export function shortened(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length.toLocaleString("en-US")} characters)`;
}

/** A JSON value as JSON, cut to SHOWN_VALUE_CHARS (a long string is cut before it is quoted, never copied whole). */
export function shownValue(value: unknown): string {
  if (typeof value === "string") {
    if (value.length <= SHOWN_VALUE_CHARS) return JSON.stringify(value);
    return `${JSON.stringify(value.slice(0, SHOWN_VALUE_CHARS))}… (${value.length.toLocaleString("en-US")} characters)`;
  }
  const json = (JSON.stringify(value) as string | undefined) ?? String(value); // undefined for undefined, functions and symbols
  return shortened(json, SHOWN_VALUE_CHARS);
}
