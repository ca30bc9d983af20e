/** The verification report as a person reads it: one table, the first problems, a verdict. */
import { formatDuration } from "./duration";
import type { RecordProblem } from "./object-check";
import { plural } from "../text/plural";
import type { PrefixReport, VerifyReport } from "./verifier";

const number = (n: number) => n.toLocaleString("en-US");

/** Left-aligned first column, right-aligned others. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
      .join("   ")
      .trimEnd(),
  );
}

function problemLines(title: string, total: number, problems: readonly RecordProblem[]): string[] {
  if (total === 0) return [];
  const lines = [``, `${title} (${problems.length < total ? `first ${problems.length} of ${number(total)}` : number(total)}):`];
  for (const p of problems) {
    lines.push(`  ${p.key}`);
    lines.push(`    record ${number(p.record)} (line ${number(p.line)}, byte ${number(p.offset)}): ${p.problem}`);
    if (p.excerpt !== undefined) lines.push(`    text: ${p.excerpt}`);
    if (p.values !== undefined) lines.push(`    values: ${p.values}`);
  }
  return lines;
}

function unreadableLines(prefix: PrefixReport): string[] {
  if (prefix.unreadable === 0) return [];
  const shown = prefix.unreadableObjects;
  const lines = [
    ``,
    `Unreadable objects under ${prefix.prefix} (${shown.length < prefix.unreadable ? `first ${shown.length} of ${number(prefix.unreadable)}` : number(prefix.unreadable)}):`,
  ];
  for (const o of shown) lines.push(`  ${o.key}`, `    ${o.problem}`);
  return lines;
}

export function renderReport(report: VerifyReport): string {
  const { source, destination } = report;
  const window = report.sinceMs === null ? "every object" : `objects modified in the last ${formatDuration(report.sinceMs)}`;
  const formats = (p: PrefixReport) =>
    Object.entries(p.encodings)
      .map(([encoding, n]) => `${encoding} ${number(n)}`)
      .join(", ") || "-";
  const share = destination.valid === 0 ? "" : ` (${((100 * destination.matchingSource) / destination.valid).toFixed(1)}%)`;
  const allowance = formatDuration(report.processingAllowanceMs);
  const rows = [
    ["", source.prefix, destination.prefix],
    ["objects", number(source.objects), number(destination.objects)],
    ["bytes", number(source.bytes), number(destination.bytes)],
    ["records", number(source.records), number(destination.records)],
    ["valid", number(source.valid), number(destination.valid)],
    ["invalid", number(source.invalid), number(destination.invalid)],
    ["unreadable objects", number(source.unreadable), number(destination.unreadable)],
    ["newest object age", age(source), age(destination)],
    ["formats", formats(source), formats(destination)],
    [`expected at destination (older than ${allowance})`, number(source.expectedAtDestination), "-"],
    ["found at destination", number(source.foundAtDestination), "-"],
    ["missing at destination", number(source.missingAtDestination), "-"],
    ["match a source record", "-", `${number(destination.matchingSource)}${share}`],
    ["match no source record", "-", number(destination.matchingNoSource)],
  ];
  const invalid = source.invalid + destination.invalid;
  const verdict = report.passed
    ? `PASS: ${number(source.foundAtDestination)} of ${plural(source.expectedAtDestination, "source record")} older than ${allowance} reached ${destination.prefix}` +
      ` (${number(source.missingAtDestination)} missing, ${number(report.maxMissing)} allowed); ${plural(invalid, "invalid record")} (${number(report.maxInvalid)} allowed)`
    : `FAIL: ${report.failures.join("; ")}`;
  return [
    `Bucket ${report.bucket}: ${window} (checked ${report.checkedAt} in ${formatDuration(report.elapsedMs)})`,
    ``,
    ...table(rows),
    ...problemLines(`Invalid records under ${source.prefix}`, source.invalid, source.problems),
    ...problemLines(`Invalid records under ${destination.prefix}`, destination.invalid, destination.problems),
    ...problemLines(`Source records older than ${allowance} with no row under ${destination.prefix}`, source.missingAtDestination, source.missing),
    ...problemLines(`Rows under ${destination.prefix} that match no source record`, destination.matchingNoSource, destination.unmatched),
    ...unreadableLines(source),
    ...unreadableLines(destination),
    ``,
    verdict,
    ``,
  ].join("\n");
}

function age(prefix: PrefixReport): string {
  return prefix.newestObjectAgeMs === null ? "-" : formatDuration(prefix.newestObjectAgeMs);
}
