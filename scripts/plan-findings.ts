/**
 * The policy section of plan.md: what the policy pack (policies/, issue 4) found. The types
 * mirror what its `checkTerraformJson` returns; `npm run plan` passes that report here.
 */
import { cell, code, Section, tableHead } from "./markdown";

export interface PolicyFinding {
  readonly ruleId: string;
  readonly title: string;
  readonly severity: string;
  readonly address: string;
  readonly message: string;
  readonly fix: string;
}

export interface PolicySuppression {
  readonly ruleId: string;
  readonly address: string;
  readonly reason: string;
}

export interface PolicyReport {
  readonly findings: readonly PolicyFinding[];
  readonly suppressed: readonly PolicySuppression[];
  readonly rules?: readonly unknown[];
}

/** Most severe first; unknown severities after the known ones. */
const SEVERITY_ORDER = ["critical", "high", "error", "medium", "warning", "low", "info"];

function severityRank(severity: string): number {
  const rank = SEVERITY_ORDER.indexOf(severity.toLowerCase());
  return rank === -1 ? SEVERITY_ORDER.length : rank;
}

/** Renders the policy result; `undefined` means the checks did not run, and says so. */
export function policySection(report: PolicyReport | undefined): Section {
  const title = "### Policy checks";
  if (report === undefined) {
    return { lines: [title, "_Not run: the policy pack (`policies/`) is not wired into `npm run plan` yet._"] };
  }
  const ruleCount = report.rules ? ` of ${report.rules.length} rules` : "";
  const suppressedNote = report.suppressed.length > 0 ? `, ${report.suppressed.length} suppressed with a reason` : "";
  const suppressed = suppressedLines(report.suppressed);
  if (report.findings.length === 0) {
    return { lines: [title, `✅ **Policy: passed**: no findings${ruleCount}${suppressedNote}.`, ...suppressed] };
  }
  const bySeverity = new Map<string, number>();
  for (const f of report.findings) bySeverity.set(f.severity, (bySeverity.get(f.severity) ?? 0) + 1);
  const counts = [...bySeverity].sort(([a], [b]) => severityRank(a) - severityRank(b)).map(([s, n]) => `${n} ${s}`).join(", ");
  const sorted = [...report.findings].sort(
    (a, b) => severityRank(a.severity) - severityRank(b.severity) || a.ruleId.localeCompare(b.ruleId) || a.address.localeCompare(b.address),
  );
  return {
    lines: [
      title,
      `❌ **Policy: ${report.findings.length} finding${report.findings.length === 1 ? "" : "s"}** (${counts})${ruleCount ? `, checked${ruleCount}` : ""}${suppressedNote}.`,
      "",
      ...tableHead("severity", "rule", "resource", "finding", "fix"),
    ],
    rows: sorted.map((f) => `| **${cell(f.severity, 20)}** | ${code(f.ruleId, 60)} ${cell(f.title, 120)} | ${code(f.address, 200)} | ${cell(f.message)} | ${cell(f.fix)} |`),
    after: suppressed.length > 0 ? ["", ...suppressed] : [],
    cutNote: (hidden, total) => `_…${hidden} of ${total} findings not shown (cut to keep this summary under the comment size limit)._`,
  };
}

function suppressedLines(suppressed: readonly PolicySuppression[]): string[] {
  if (suppressed.length === 0) return [];
  const shown = suppressed.slice(0, 50);
  return [
    `<details><summary>${suppressed.length} suppressed finding${suppressed.length === 1 ? "" : "s"}, each with its reason</summary>`,
    "",
    ...tableHead("rule", "resource", "reason"),
    ...shown.map((s) => `| ${code(s.ruleId, 60)} | ${code(s.address, 200)} | ${cell(s.reason)} |`),
    ...(suppressed.length > shown.length ? ["", `_…and ${suppressed.length - shown.length} more._`] : []),
    "",
    "</details>",
  ];
}
