/**
 * The policy section of plan.md: what the policy pack (policies/) found on the plan.
 */
import type { CheckResult } from "../policies";
import { cell, code, Section, tableHead } from "../text/markdown";

/** The parts of the pack's result this section shows. */
export type PolicyReport = Pick<CheckResult, "findings" | "suppressed" | "unusedSuppressions" | "rules">;

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
    return { lines: [title, "_Not run: no policy report was given._"] };
  }
  const ruleCount = `${report.rules.length} rule${report.rules.length === 1 ? "" : "s"}`;
  const suppressedNote = report.suppressed.length > 0 ? `, ${report.suppressed.length} suppressed with a reason` : "";
  const notes = [...suppressedLines(report.suppressed), ...unusedLines(report.unusedSuppressions)];
  if (report.findings.length === 0) {
    return { lines: [title, `✅ **Policy: passed**: ${ruleCount}, no findings${suppressedNote}.`, ...notes] };
  }
  const bySeverity = new Map<string, number>();
  for (const f of report.findings) bySeverity.set(f.severity, (bySeverity.get(f.severity) ?? 0) + 1);
  const counts = [...bySeverity]
    .sort(([a], [b]) => severityRank(a) - severityRank(b))
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
  const sorted = [...report.findings].sort(
    (a, b) => severityRank(a.severity) - severityRank(b.severity) || a.rule.localeCompare(b.rule) || a.address.localeCompare(b.address),
  );
  return {
    lines: [
      title,
      `❌ **Policy: ${report.findings.length} finding${report.findings.length === 1 ? "" : "s"}** (${counts}) from ${ruleCount}${suppressedNote}.`,
      "",
      ...tableHead("severity", "rule", "resource", "finding", "fix"),
    ],
    rows: sorted.map((f) => {
      const message = f.undecided ? `${f.message} (undecided: the value is known only after apply)` : f.message;
      return `| **${cell(f.severity, 20)}** | ${code(f.rule, 60)} ${cell(f.title, 120)} | ${code(f.address, 200)} | ${cell(message)} | ${cell(f.fix)} |`;
    }),
    after: notes.length > 0 ? ["", ...notes] : [],
    cutNote: (hidden, total) => `_…${hidden} of ${total} findings not shown (cut to keep this summary under the comment size limit)._`,
  };
}

function suppressedLines(suppressed: PolicyReport["suppressed"]): string[] {
  if (suppressed.length === 0) return [];
  const shown = suppressed.slice(0, 50);
  return [
    `<details><summary>${suppressed.length} suppressed finding${suppressed.length === 1 ? "" : "s"}, each with its reason</summary>`,
    "",
    ...tableHead("rule", "resource", "reason"),
    ...shown.map((s) => `| ${code(s.rule, 60)} | ${code(s.address, 200)} | ${cell(s.reason)} |`),
    ...(suppressed.length > shown.length ? ["", `_…and ${suppressed.length - shown.length} more._`] : []),
    "",
    "</details>",
  ];
}

/** A suppression that matched nothing is stale or names the wrong address: worth a reviewer's look. */
function unusedLines(unused: PolicyReport["unusedSuppressions"]): string[] {
  return unused.map((s) => `- ⚠️ Suppression of ${code(s.rule, 60)} on ${code(s.address, 200)} matched nothing (stale, or the wrong address).`);
}
