/** A check's result as people read it (text tables) and as tools read it (JSON). */
import type { CheckResult } from "./index";

/** Left-aligned columns, the last one free to run long. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  // A loop, not Math.max(...rows): spreading thousands of rows into arguments overflows the stack.
  const widths = header.map((h) => h.length);
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i], cell.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const KIND = { synth: "synthesized configuration", plan: "plan" } as const;

export function formatText(result: CheckResult): string {
  const parts: string[] = [`policy pack: ${result.rules.length} rules on ${result.resourceCount} resources of ${result.source} (${KIND[result.kind]})`];
  if (result.findings.length > 0) {
    parts.push(
      `\nFAILED: ${result.findings.length} finding(s)`,
      table(
        ["rule", "severity", "resource", "problem"],
        result.findings.map((f) => [f.rule, f.severity, f.address, f.undecided ? `(undecided) ${f.message}` : f.message]),
      ),
      "\nhow to fix:",
      ...[...new Map(result.findings.map((f) => [f.rule, f.fix])).entries()].map(([rule, fix]) => `  ${rule}  ${fix}`),
    );
  }
  if (result.suppressed.length > 0) {
    parts.push(
      `\nsuppressed: ${result.suppressed.length} deliberate exception(s)`,
      table(
        ["rule", "resource", "reason"],
        result.suppressed.map((s) => [s.rule, s.address, s.reason]),
      ),
    );
  }
  if (result.unusedSuppressions.length > 0) {
    parts.push(
      `\nunused suppressions (they match no finding; remove them or fix the address):`,
      table(
        ["rule", "resource", "reason"],
        result.unusedSuppressions.map((s) => [s.rule, s.address, s.reason]),
      ),
    );
  }
  const undecided = result.findings.filter((f) => f.undecided).length;
  parts.push(
    `\nresult: ${result.findings.length === 0 ? "PASS" : "FAIL"} (${result.findings.length - undecided} violation(s), ${undecided} undecided, ${result.suppressed.length} suppressed)`,
  );
  return parts.join("\n");
}

export function formatJson(result: CheckResult): string {
  return JSON.stringify({ passed: result.findings.length === 0, ...result }, null, 2);
}
