/**
 * The cost table in the plan review: said to be an estimate, with its prices' region and date;
 * before / after / change when a pull request changes what it costs; a baseline that cannot be
 * used said in one line, never fatal; and `npm run cost -- --json`, the baseline's writer.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveSettings } from "../config/settings";
import { estimateCost } from "../costs/estimate";
import { COST_BASELINE_ENV, CostBaselineError, costReview, costSection, readBaseline } from "../costs/review";
import { ResourceChange, renderPlanSummary, SUMMARY_MAX_CHARS } from "../terraform/plan-summary";

const ROOT = join(__dirname, "..");
const scratch = mkdtempSync(join(tmpdir(), "lab-cost-review-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const settings = (env: Record<string, string> = {}) => resolveSettings({ env });
const text = (lines: readonly string[]) => lines.join("\n");
const baselineFile = (env: Record<string, string> = {}) => {
  const file = join(scratch, `base-${Object.values(env).join("-") || "defaults"}.json`);
  writeFileSync(file, JSON.stringify(estimateCost(settings(env))));
  return file;
};

describe("the cost section", () => {
  it("says plainly that it is an estimate at list prices of a region and a date, not a bill", () => {
    const md = text(costReview(settings(), {}).lines);
    expect(md).toContain("### Estimated monthly cost");
    expect(md).toContain(
      "_An **estimate**, not a bill: the lab's usage modelled from its settings, at on-demand list prices for us-east-1 as of 2026-12-02 (`costs/prices.us-east-1.json`)._",
    );
    expect(md).toContain("| component | usage a month | monthly |");
    expect(md).toMatch(/\| \*\*total\*\* \| \| \*\*\$12\.\d\d\*\* \|/);
    expect(md).toContain("| EC2 instance (t3.micro) | 730 hours, on demand | $7.59 |");
    expect(md).toContain("<details><summary>What the estimate assumes</summary>");
  });

  it("names the region whose prices stand in for the stack's", () => {
    expect(text(costReview(settings({ LAB_REGION: "eu-west-1" }), {}).lines)).toContain(
      "list prices for us-east-1 (the stack is in eu-west-1, which has no price table)",
    );
  });

  it("shows before, after and the change when a setting changes what the lab costs", () => {
    const md = text(costReview(settings({ LAB_GENERATOR_RATE: "10" }), { [COST_BASELINE_ENV]: baselineFile() }).lines);
    expect(md).toContain("| component | usage a month (after) | before | after | change |");
    const before = estimateCost(settings());
    const after = estimateCost(settings({ LAB_GENERATOR_RATE: "10" }));
    const dollars = (n: number) => `$${n.toFixed(2)}`;
    expect(md).toContain(`| **total** | | **${dollars(before.totalUsd)}** | **${dollars(after.totalUsd)}** | **+${dollars(after.totalUsd - before.totalUsd)}`);
    // A line the change does not touch shows both figures and no change.
    expect(md).toContain("| EC2 instance (t3.micro) | 730 hours, on demand | $7.59 | $7.59 |  |");
    expect(md).toContain("- Before: the estimate at the pull request's base (prices as of 2026-12-02).");
  });

  it("shows one column when the baseline costs the same", () => {
    const md = text(costReview(settings(), { [COST_BASELINE_ENV]: baselineFile() }).lines);
    expect(md).toContain("| component | usage a month | monthly |");
    expect(md).toContain("- Unchanged from the estimate at the pull request's base.");
  });

  it("lists a component the change removes, and one it adds", () => {
    const md = text(costSection(estimateCost(settings({ LAB_ANALYTICS_ENGINE: "kinesis-analytics-sql" })), estimateCost(settings())).lines);
    expect(md).toMatch(/\| Lambda requests \| \(removed\) \| \$0\.01 \| — \| −\$0\.01/);
    expect(md).toMatch(/\| SQL application \(legacy engine\) \| not priced: .* \| — \| no price \| n\/a \|/);
  });

  it("says in one line why a baseline cannot be used, and still shows the estimate", () => {
    const bad = join(scratch, "not-an-estimate.json");
    writeFileSync(bad, JSON.stringify({ kind: "something else" }));
    const md = text(costReview(settings(), { [COST_BASELINE_ENV]: bad }).lines);
    expect(md).toContain(`- ⚠️ No before/after: ${COST_BASELINE_ENV}=${bad} is not an estimate of version 1 as npm run cost -- --json writes it`);
    expect(md).toContain("| component | usage a month | monthly |");
    expect(() => readBaseline(join(scratch, "absent.json"))).toThrow(CostBaselineError);
    expect(() => readBaseline(join(scratch, "absent.json"))).toThrow(
      `Unusable cost baseline: ${COST_BASELINE_ENV}=${join(scratch, "absent.json")} cannot be read as JSON (ENOENT)`,
    );
  });
});

describe("in the README", () => {
  it("is the table at the default settings, as the code renders it", () => {
    const lines = costReview(settings(), {}).lines;
    const table = lines.slice(lines.indexOf("| component | usage a month | monthly |"), lines.findIndex((l) => l.startsWith("| **total**")) + 1);
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain(text(table));
  });
});

describe("in plan.md", () => {
  const context = { stack: "streaming-lab", offline: false, accessReason: "test", state: "local file.", cost: costReview(settings(), {}) };

  it("comes after the policy checks and before the resources", () => {
    const md = renderPlanSummary({ resource_changes: [] }, context);
    const at = (heading: string) => md.indexOf(heading);
    expect(at("### Policy checks")).toBeLessThan(at("### Estimated monthly cost"));
    expect(at("### Estimated monthly cost")).toBeLessThan(at("### Resources by action"));
  });

  it("stays whole when the resources are cut to fit GitHub's limit", () => {
    const many: ResourceChange[] = Array.from({ length: 3000 }, (_, i) => ({
      address: `aws_iam_role.r${i}_${"x".repeat(60)}`,
      type: "aws_iam_role",
      change: { actions: ["create"] },
    }));
    const md = renderPlanSummary({ resource_changes: many }, context);
    expect(md.length).toBeLessThanOrEqual(SUMMARY_MAX_CHARS);
    expect(md).toContain(text(context.cost.lines));
    expect(md).toMatch(/changed resources not shown/);
  });
});

describe("npm run cost", () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ["-r", "./loader/register-ts.js", "scripts/cost.ts", ...args], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, ...env },
    });

  it("writes the estimate as JSON, which reads back as a baseline", () => {
    const result = run(["--json"], { LAB_GENERATOR_RATE: "3" });
    expect(result.status).toBe(0);
    const file = join(scratch, "written.json");
    writeFileSync(file, result.stdout);
    expect(readBaseline(file)).toEqual(JSON.parse(JSON.stringify(estimateCost(settings({ LAB_GENERATOR_RATE: "3" })))));
  });

  it("refuses an unknown argument with its usage, exit code 2", () => {
    const result = run(["--yaml"]);
    expect([result.status, result.stderr.trim()]).toEqual([2, "cost: unknown argument --yaml\nusage: npm run cost [-- --json]"]);
  });
});
