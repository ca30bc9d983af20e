/** `1 record`, `1,402 records`: a count and its noun, as the reports write them. */
export function plural(n: number, noun: string): string {
  return `${n.toLocaleString("en-US")} ${noun}${n === 1 ? "" : "s"}`;
}
