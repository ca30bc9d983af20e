/**
 * The verifier's refusal of a source and destination prefix that overlap, by the same rule synth
 * applies to the stack's prefixes (aws/key-prefixes.ts).
 */
import { prefixesOverlap } from "../aws/key-prefixes";

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
