/**
 * What a value may be, said once: an Allowed knows its check and the words for what passes, and
 * every refusal of the project (a setting, a construct's prop, a command's option) is the one line
 * notAllowed writes: `<name> = <value as JSON> is not allowed: <subject> must be <words>`.
 */

/** A check and the words for the values it allows: the end of "... must be <words>". */
export interface Allowed<T> {
  /** What is allowed, e.g. `an integer from 1 to 128`. */
  readonly words: string;
  /** Whether the value is allowed. */
  test(value: T): boolean;
}

/** An Allowed of whole numbers within a range, its bounds readable by code that needs the numbers. */
export interface IntegerRange extends Allowed<number> {
  readonly min: number;
  readonly max: number;
}

/** An Allowed of a fixed list of values, the list readable. */
export interface OneOf<T> extends Allowed<T> {
  readonly values: readonly T[];
}

/**
 * A check that says what is allowed when a value is not, by the value (which sizes a family has,
 * which part of a CIDR block is wrong), and undefined when it is allowed.
 */
export type Diagnosis<T> = (value: T) => string | undefined;

/** Integers from `min` to `max`, in the words `an integer from <min> to <max>`, then `note` if given. */
export function integerIn({ min, max }: { readonly min: number; readonly max: number }, note?: string): IntegerRange {
  return {
    min,
    max,
    words: `an integer from ${min} to ${max}${note === undefined ? "" : ` ${note}`}`,
    test: (value) => Number.isInteger(value) && value >= min && value <= max,
  };
}

/** Strings the pattern matches. */
export function matching(pattern: RegExp, words: string): Allowed<string> {
  return { words, test: (value) => pattern.test(value) };
}

/** The listed values, in the words `one of <values, comma-separated>`. */
export function oneOf<T extends string | number>(values: readonly T[]): OneOf<T> {
  return { values, words: `one of ${values.join(", ")}`, test: (value) => values.includes(value) };
}

/** Values the test passes. */
export function satisfying<T>(test: (value: T) => boolean, words: string): Allowed<T> {
  return { words, test };
}

/** What `allowed` allows, and the one literal value `also` too, in the words `<words>, or <also>`. */
export function orLiterally<T>(allowed: Allowed<T>, also: T): Allowed<T> {
  return { words: `${allowed.words}, or ${String(also)}`, test: (value) => value === also || allowed.test(value) };
}

/**
 * The one-line refusal: `<name> = <value as JSON> is not allowed: <subject> must be <words>`;
 * `allowed` is anything with the words, an Allowed or a parse's refusal.
 */
export function notAllowed(name: string, value: unknown, allowed: { readonly words: string }, subject = "it"): string {
  return `${name} = ${JSON.stringify(value)} is not allowed: ${subject} must be ${allowed.words}`;
}

/**
 * Throws an Error `<path>: <the refusal>` unless the value is allowed: how a construct refuses a
 * prop (`LabBucket: bucketNamePrefix = "Lab_" is not allowed: it must be ...`).
 */
export function check<T>(path: string, name: string, value: T, allowed: Allowed<T> | Diagnosis<T>): void {
  const words = typeof allowed === "function" ? allowed(value) : allowed.test(value) ? undefined : allowed.words;
  if (words !== undefined) throw new Error(`${path}: ${notAllowed(name, value, { words })}`);
}
