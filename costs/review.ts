/**
 * The cost estimate as the plan review shows it: one table of the lab's estimated monthly cost by
 * component, and, when a baseline (the estimate at the pull request's base, `npm run cost --
 * --json`) is given and differs, its figures before and after with the change.
 */
import { readFileSync } from "node:fs";
import { UnusableInputError } from "../input/unusable-input";
import { cell, Section, tableHead } from "../text/markdown";
import { CostEstimate, CostLine, CostSettings, estimateCost } from "./estimate";

/** Names the baseline file: an estimate written by `npm run cost -- --json` (CI writes one at the pull request's base). */
export const COST_BASELINE_ENV = "LAB_COST_BASELINE";

export class CostBaselineError extends UnusableInputError {
  constructor(problem: string) {
    super([problem], "Unusable cost baseline");
    this.name = "CostBaselineError";
  }
}

/** Reads a baseline; anything but an estimate of this format is one line naming the variable and the file. */
export function readBaseline(file: string): CostEstimate {
  const named = `${COST_BASELINE_ENV}=${file}`;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new CostBaselineError(`${named} cannot be read as JSON (${reason}): it must name the output of npm run cost -- --json`);
  }
  const e = data as Partial<CostEstimate> | null;
  const lines: unknown = e?.lines;
  const linesOk =
    Array.isArray(lines) &&
    lines.every(
      (l: Partial<CostLine> | null) =>
        typeof l?.id === "string" && typeof l.component === "string" && (l.monthlyUsd === undefined || typeof l.monthlyUsd === "number"),
    );
  if (e?.kind !== "lab-cost-estimate" || e.version !== 1 || !linesOk || typeof e.totalUsd !== "number" || typeof e.priceDate !== "string") {
    throw new CostBaselineError(
      `${named} is not an estimate of version 1 as npm run cost -- --json writes it (kind "lab-cost-estimate", lines, totalUsd, priceDate)`,
    );
  }
  return data as CostEstimate;
}

const money = (usd: number | undefined): string => {
  if (usd === undefined) return "no price";
  if (usd > 0 && usd < 0.005) return "< $0.01";
  return `$${usd.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
};
/** A line absent on one side counts as nothing there; a line without a price has no figure. */
const usd = (line: CostLine | undefined): number | undefined => (line === undefined ? 0 : line.monthlyUsd);
const cents = (usd: number | undefined) => (usd === undefined ? undefined : Math.round(usd * 100));

function change(before: number | undefined, after: number | undefined): string {
  if (before === undefined || after === undefined) return before === after ? "" : "n/a";
  const delta = (cents(after)! - cents(before)!) / 100;
  if (delta === 0) return "";
  const sign = delta > 0 ? "+" : "−";
  const percent = before > 0 ? ` (${sign}${Math.round((Math.abs(delta) / before) * 100)} %)` : "";
  return `${sign}${money(Math.abs(delta))}${percent}`;
}

/** Whether the baseline shows the same figures to the cent, line by line, at the same price date. */
function sameEstimate(a: CostEstimate, b: CostEstimate): boolean {
  const shown = (e: CostEstimate) => JSON.stringify([e.priceDate, e.priceRegion, cents(e.totalUsd), e.lines.map((l) => [l.id, cents(l.monthlyUsd)])]);
  return shown(a) === shown(b);
}

/**
 * The markdown section: after only, or before / after / change when a differing baseline is given;
 * `baselineProblem` says why a baseline that was asked for is not shown.
 */
export function costSection(after: CostEstimate, before?: CostEstimate, baselineProblem?: string): Section {
  const compare = before !== undefined && !sameEstimate(before, after);
  const region =
    after.priceRegion === after.stackRegion ? after.priceRegion : `${after.priceRegion} (the stack is in ${after.stackRegion}, which has no price table)`;
  const lines = [
    "### Estimated monthly cost",
    "",
    `_An **estimate**, not a bill: the lab's usage modelled from its settings, at on-demand list prices for ${region} as of ${after.priceDate} (\`${after.priceFile}\`)._`,
    "",
  ];
  const rows: string[] = [];
  if (compare) {
    lines.push(...tableHead("component", "usage a month (after)", "before", "after", "change"));
    const ids = [...after.lines.map((l) => l.id), ...before.lines.map((l) => l.id).filter((id) => !after.lines.some((l) => l.id === id))];
    for (const id of ids) {
      const a = after.lines.find((l) => l.id === id);
      const b = before.lines.find((l) => l.id === id);
      const [was, is] = [b === undefined ? "—" : money(b.monthlyUsd), a === undefined ? "—" : money(a.monthlyUsd)];
      rows.push(`| ${cell((a ?? b)!.component)} | ${a === undefined ? "(removed)" : cell(a.usage)} | ${was} | ${is} | ${change(usd(b), usd(a))} |`);
    }
    rows.push(`| **total** | | **${money(before.totalUsd)}** | **${money(after.totalUsd)}** | **${change(before.totalUsd, after.totalUsd)}** |`);
  } else {
    lines.push(...tableHead("component", "usage a month", "monthly"));
    for (const l of after.lines) rows.push(`| ${cell(l.component)} | ${cell(l.usage)} | ${money(l.monthlyUsd)} |`);
    rows.push(`| **total** | | **${money(after.totalUsd)}** |`);
  }
  const baseline =
    baselineProblem !== undefined
      ? [`⚠️ No before/after: ${baselineProblem}.`]
      : before === undefined
        ? []
        : compare
          ? [`Before: the estimate at the pull request's base (prices as of ${before.priceDate}).`]
          : ["Unchanged from the estimate at the pull request's base."];
  return {
    lines: [
      ...lines,
      ...rows,
      "",
      ...[...baseline, ...after.notes].map((n) => `- ${n}`),
      "",
      "<details><summary>What the estimate assumes</summary>",
      "",
      ...after.assumptions.map((a) => `- ${a}`),
      "",
      "</details>",
    ],
  };
}

/**
 * The section for a plan review: the estimate at the settings, against the baseline the environment
 * names. An unusable baseline is said in the section, not fatal: the plan still needs reviewing.
 */
export function costReview(settings: CostSettings, env: NodeJS.ProcessEnv): Section {
  const after = estimateCost(settings);
  const file = env[COST_BASELINE_ENV];
  if (!file) return costSection(after);
  try {
    return costSection(after, readBaseline(file));
  } catch (error) {
    if (!(error instanceof CostBaselineError)) throw error;
    return costSection(after, undefined, error.problems[0]);
  }
}
