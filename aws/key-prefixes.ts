/**
 * The S3 key prefixes of the lab bucket, and the one rule that decides whether two of them
 * overlap. Prefixes here are literal key prefixes (aws-limits' S3_PREFIX refuses IAM wildcards),
 * so overlap is decided on the keys themselves: one prefix is the start of the other.
 *
 * No imports: the settings, the constructs and the verifier all use these.
 */

/** Firehose's expression for the kind of failure, which only an error prefix may hold. */
export const FIREHOSE_ERROR_OUTPUT_TYPE = "!{firehose:error-output-type}";

/**
 * The error prefix a delivery stream gets unless it is given one: `errors/<prefix>` followed by
 * the kind of failure, so each stream's failed records stay apart from its data and each other's.
 */
export function firehoseErrorOutputPrefix(dataPrefix: string): string {
  return `errors/${dataPrefix}${FIREHOSE_ERROR_OUTPUT_TYPE}/`;
}

/**
 * The literal part of a Firehose prefix, before its first expression (`!{...}`): every key
 * Firehose writes under the prefix starts with it. `errors/source/!{firehose:error-output-type}/`
 * gives `errors/source/`.
 */
export function staticPrefix(prefix: string): string {
  const expression = prefix.indexOf("!{");
  return expression === -1 ? prefix : prefix.slice(0, expression);
}

/**
 * Whether two key prefixes (or a prefix and an object key) can name the same object: one is the
 * start of the other. `source/` and `source/x/` overlap; `source/` and `sources/` do not.
 */
export function prefixesOverlap(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}

/** A key prefix of the stack, with what it is for (used in messages). */
export interface NamedPrefix {
  /** What the prefix is, e.g. "the source prefix". */
  readonly name: string;
  /** The literal key prefix (or object key). */
  readonly prefix: string;
}

/** Every pair of the given prefixes that overlaps, each pair once, in the order given. */
export function overlappingPrefixes<T extends NamedPrefix>(prefixes: readonly T[]): [T, T][] {
  const pairs: [T, T][] = [];
  prefixes.forEach((a, i) => {
    for (const b of prefixes.slice(i + 1)) if (prefixesOverlap(a.prefix, b.prefix)) pairs.push([a, b]);
  });
  return pairs;
}
