/**
 * Two S3 key prefixes overlap when one is a prefix of the other (equal included): a listing of the
 * shorter one returns the other's objects too. Prefixes are literal key prefixes (S3 has no
 * wildcards in a listing's Prefix), so this is a comparison of text, character for character.
 */

/** True when `a` and `b` overlap: one is a prefix of the other, or they are equal. */
export function prefixesOverlap(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}

/**
 * The one-line refusal of overlapping source and destination prefixes, or undefined when they
 * are apart. Under overlapping prefixes the verifier would list raw records as analytics output
 * (or the reverse) and judge them against the wrong schema; synth refuses the same pair of settings.
 */
export function overlappingPrefixesProblem(
  source: { readonly name: string; readonly prefix: string },
  destination: { readonly name: string; readonly prefix: string },
): string | undefined {
  if (!prefixesOverlap(source.prefix, destination.prefix)) return undefined;
  const how = source.prefix === destination.prefix ? "are the same prefix" : "overlap (one is a prefix of the other)";
  return (
    `${source.name} = ${JSON.stringify(source.prefix)} and ${destination.name} = ${JSON.stringify(destination.prefix)} ${how}: ` +
    "the source and destination objects would be mixed and judged against the wrong schema; give two prefixes neither of which starts with the other"
  );
}
