/**
 * plan.md: counts, review order, warnings, the policy section and the size limit. The ordering
 * and counts are checked on a plan real Terraform made against a real prior state (built-in
 * terraform_data resources: applied for real, no provider, no AWS), so every kind of change occurs.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fitSections } from "../text/markdown";
import type { Finding } from "../policies";
import { PolicyReport, policySection } from "../terraform/plan-findings";
import {
  actionOf,
  changesInReviewOrder,
  countPlan,
  planSentence,
  PlanContext,
  planWarnings,
  renderPlanSummary,
  ResourceChange,
  SUMMARY_MAX_CHARS,
  TerraformPlanJson,
} from "../terraform/plan-summary";
import { terraformOrThrow } from "../terraform/terraform";

const ONLINE: PlanContext = { stack: "streaming-lab", offline: false, accessReason: "AWS credentials from AWS_PROFILE=dev", state: "local file." };

function change(address: string, actions: string[], extra: Partial<ResourceChange> = {}): ResourceChange {
  return { address, type: address.split(".")[0], mode: "managed", change: { actions }, ...extra };
}

describe("the plan summary of a real plan against a real prior state", () => {
  const dir = mkdtempSync(join(tmpdir(), "lab-seeded-plan-"));
  const config = (resources: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    writeFileSync(join(dir, "main.tf.json"), JSON.stringify({ resource: { terraform_data: resources }, ...extra }));
  let plan: TerraformPlanJson;
  let terraformsOwnLine: string;

  beforeAll(() => {
    config({
      kept: { input: "same" },
      changed: { input: "v1" },
      replaced: { input: "x", triggers_replace: "v1" },
      replaced_first: { input: "x", triggers_replace: "v1", lifecycle: { create_before_destroy: true } },
      removed: { input: "gone" },
      forgotten: { input: "forget me" },
    });
    terraformOrThrow(dir, ["init", "-input=false"]);
    terraformOrThrow(dir, ["apply", "-input=false", "-auto-approve"]);
    config(
      {
        kept: { input: "same" },
        changed: { input: "v2" },
        replaced: { input: "x", triggers_replace: "v2" },
        replaced_first: { input: "x", triggers_replace: "v2", lifecycle: { create_before_destroy: true } },
        added: { input: "new" },
      },
      { removed: [{ from: "terraform_data.forgotten", lifecycle: { destroy: false } }] },
    );
    const human = terraformOrThrow(dir, ["plan", "-input=false", "-out=seeded.tfplan"]).stdout;
    terraformsOwnLine = /^Plan: .*$/m.exec(human)![0];
    plan = JSON.parse(terraformOrThrow(dir, ["show", "-json", "seeded.tfplan"]).stdout);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("counts exactly as Terraform does", () => {
    expect(terraformsOwnLine).toBe("Plan: 3 to add, 1 to change, 3 to destroy.");
    expect(planSentence(countPlan(plan))).toBe(terraformsOwnLine);
    expect(countPlan(plan).forget).toBe(1);
  });

  it("orders replacements and destroys first, then forget, update, create; unchanged ones left out", () => {
    expect(changesInReviewOrder(plan).map((rc) => [rc.address, actionOf(rc)])).toEqual([
      ["terraform_data.replaced", "replace"],
      ["terraform_data.replaced_first", "replace-create-first"],
      ["terraform_data.removed", "delete"],
      ["terraform_data.forgotten", "forget"],
      ["terraform_data.changed", "update"],
      ["terraform_data.added", "create"],
    ]);
  });

  it("marks replacements and destroys loudly, with the reason Terraform gives", () => {
    const md = renderPlanSummary(plan, ONLINE);
    const rows = md.split("\n").filter((l) => l.startsWith("| ") && l.includes("`terraform_data."));
    expect(rows).toEqual([
      "| ⚠️ **REPLACE** | `terraform_data.replaced` | `triggers_replace` cannot change in place |",
      "| ⚠️ **REPLACE** (new one first) | `terraform_data.replaced_first` | `triggers_replace` cannot change in place |",
      "| 🛑 **DESTROY** | `terraform_data.removed` | no longer in the configuration |",
      "| ✋ forget (kept in AWS) | `terraform_data.forgotten` | no longer in the configuration |",
      "| ~ update | `terraform_data.changed` |  |",
      "| + create | `terraform_data.added` |  |",
    ]);
    expect(md).toContain("**Plan: 3 to add, 1 to change, 3 to destroy.** 1 to forget (removed from state, kept in AWS).");
    expect(md).toContain("| ⚠️ **REPLACE** | 1 |\n| ⚠️ **REPLACE** (new one first) | 1 |\n| 🛑 **DESTROY** | 1 |");
  });
});

describe("the plan summary's size limit", () => {
  const many: ResourceChange[] = [];
  for (let i = 0; i < 6000; i++) {
    const kind = i % 12 === 0 ? ["delete", "create"] : i % 12 === 1 ? ["delete"] : i % 12 < 4 ? ["update"] : ["create"];
    many.push(change(`aws_iam_role_policy.generated_${String(i).padStart(5, "0")}_${"x".repeat(40)}`, kind));
  }
  const plan: TerraformPlanJson = { terraform_version: "1.11.4", resource_changes: many };
  const counts = countPlan(plan);

  it("cuts the detail to stay under 65,000 characters, keeps the counts, and says what was cut", () => {
    const md = renderPlanSummary(plan, ONLINE);
    expect(md.length).toBeLessThanOrEqual(SUMMARY_MAX_CHARS);
    expect(md).toContain(`**${planSentence(counts)}**`);
    expect(planSentence(counts)).toBe("Plan: 4500 to add, 1000 to change, 1000 to destroy.");
    const shown = md.split("\n").filter((l) => l.includes("`aws_iam_role_policy.generated_")).length;
    const note = /_…(\d+) of 6000 changed resources not shown: this summary is cut to stay under 65,000 characters/.exec(md);
    expect(note).not.toBeNull();
    expect(shown + Number(note![1])).toBe(6000);
    expect(shown).toBeGreaterThan(300);
  });

  it("keeps the replacements and destroys, cutting from the least alarming end", () => {
    const rows = renderPlanSummary(plan, ONLINE)
      .split("\n")
      .filter((l) => l.includes("`aws_iam_role_policy.generated_"));
    expect(rows.slice(0, 500).every((r) => r.startsWith("| ⚠️ **REPLACE**"))).toBe(true);
    expect(rows.slice(500, 1000).every((r) => r.startsWith("| 🛑 **DESTROY**"))).toBe(true);
  });

  it("also cuts a huge findings table, after the resources, and keeps the policy verdict", () => {
    const findings: Finding[] = Array.from({ length: 3000 }, (_, i) => ({
      rule: "LAB-IAM-001",
      title: "Wildcard resource",
      severity: i % 2 ? "high" : "low",
      address: `aws_iam_role_policy.generated_${i}`,
      message: "Resource * in an identity policy ".repeat(3),
      fix: "Scope the statement to exact ARNs.",
      undecided: false,
    }));
    const md = renderPlanSummary(plan, { ...ONLINE, policy: { findings, suppressed: [], unusedSuppressions: [], rules: [] } });
    expect(md.length).toBeLessThanOrEqual(SUMMARY_MAX_CHARS);
    expect(md).toContain("❌ **Policy: 3000 findings** (1500 high, 1500 low) from 0 rules.");
    expect(md).toContain("_…6000 of 6000 changed resources not shown");
    expect(md).toMatch(/_…\d+ of 3000 findings not shown/);
  });

  it("stays under any limit even when the fixed parts alone are too long", () => {
    const text = fitSections([{ lines: ["x".repeat(500)] }, { lines: ["y"], rows: ["row"] }], 100, [1]);
    expect(text.length).toBeLessThanOrEqual(100);
    expect(text).toContain("…cut");
  });
});

describe("the plan summary's warnings and cells", () => {
  it("warns about the discontinued analytics service only when such an application is planned", () => {
    const withApp = { resource_changes: [change("aws_kinesis_analytics_application.app", ["create"])] };
    expect(planWarnings(withApp, ONLINE).join()).toContain("Kinesis Data Analytics for SQL is discontinued");
    expect(planWarnings({ resource_changes: [change("aws_s3_bucket.b", ["create"])] }, ONLINE)).toEqual([]);
    expect(planWarnings({ resource_changes: [change("aws_kinesis_analytics_application.app", ["delete"])] }, ONLINE)).toEqual([
      // deleting a discontinued application is fine; only deleting data is worth a warning
    ]);
  });

  it("warns when data goes: a destroyed or replaced bucket or log group", () => {
    const plan = { resource_changes: [change("aws_s3_bucket.lab", ["delete", "create"]), change("aws_cloudwatch_log_group.logs", ["delete"])] };
    const warnings = planWarnings(plan, ONLINE).join("\n");
    expect(warnings).toContain("**Data loss**: `aws_s3_bucket.lab` is destroyed with every object and version in it");
    expect(warnings).toContain("**Logs lost**: `aws_cloudwatch_log_group.logs`");
  });

  it("says loudly when the plan was made offline, and why", () => {
    const md = renderPlanSummary({ resource_changes: [] }, { ...ONLINE, offline: true, accessReason: "no AWS credentials found" });
    expect(md).toContain("## Terraform plan: `streaming-lab` (offline)");
    expect(md).toContain("- ⚠️ **Offline plan**: no AWS credentials found. Terraform planned with dummy credentials");
    expect(renderPlanSummary({ resource_changes: [] }, ONLINE)).not.toContain("Offline plan");
  });

  it("shows a plan without changes as such, counting the unchanged resources", () => {
    const md = renderPlanSummary({ resource_changes: [change("aws_s3_bucket.b", ["no-op"])] }, ONLINE);
    expect(md).toContain("**Plan: 0 to add, 0 to change, 0 to destroy.**");
    expect(md).toContain("| no change | 1 |");
    expect(md).toContain("| no changes | | |");
    expect(renderPlanSummary({ resource_changes: [] }, ONLINE)).toContain("| no changes | 0 |");
  });

  it("keeps the table intact whatever an address or reason holds", () => {
    const md = renderPlanSummary({ resource_changes: [change('aws_s3_bucket.b["a|b\nc"]', ["delete"], { action_reason: "weird|reason" })] }, ONLINE);
    expect(md).toContain('| 🛑 **DESTROY** | `aws_s3_bucket.b["a\\|b c"]` | weird\\|reason |');
  });

  it("names a moved resource and an import", () => {
    const moved = change("aws_s3_bucket.new", ["no-op"], { previous_address: "aws_s3_bucket.old" });
    const imported = change("aws_s3_bucket.imported", ["no-op"], { change: { actions: ["no-op"], importing: { id: "b" } } });
    const md = renderPlanSummary({ resource_changes: [moved, imported] }, ONLINE);
    expect(md).toContain("| ↪ move | `aws_s3_bucket.new` | moved from `aws_s3_bucket.old` |");
    expect(md).toContain("| → import | `aws_s3_bucket.imported` | imported |");
    expect(md).toContain("**Plan: 1 to import, 0 to add, 0 to change, 0 to destroy.**");
  });
});

describe("the policy section of plan.md", () => {
  const rules = [{ id: "LAB-A" }, { id: "LAB-B" }, { id: "LAB-C" }] as unknown as PolicyReport["rules"];
  const finding = (severity: Finding["severity"], rule: string, address: string, undecided = false): Finding => ({
    rule,
    title: `${rule} title`,
    severity,
    address,
    message: `${rule} on ${address}`,
    fix: "do the right thing",
    undecided,
  });

  it("says the checks did not run when no report is given", () => {
    expect(policySection(undefined).lines.join("\n")).toContain("_Not run: no policy report was given._");
  });

  it("passes with no findings, and lists suppressions with their reasons and stale ones", () => {
    const text = policySection({
      findings: [],
      suppressed: [{ ...finding("medium", "LAB-EC2-5", "aws_launch_template.generator"), reason: "user data has no secrets; checked in Jest" }],
      unusedSuppressions: [{ rule: "LAB-S3-1", address: "aws_s3_bucket.gone", reason: "an old exception" }],
      rules,
    }).lines.join("\n");
    expect(text).toContain("✅ **Policy: passed**: 3 rules, no findings, 1 suppressed with a reason.");
    expect(text).toContain("| `LAB-EC2-5` | `aws_launch_template.generator` | user data has no secrets; checked in Jest |");
    expect(text).toContain("- ⚠️ Suppression of `LAB-S3-1` on `aws_s3_bucket.gone` matched nothing (stale, or the wrong address).");
  });

  it("fails with a table of findings, most severe first, undecided ones marked", () => {
    const section = policySection({
      findings: [
        finding("low", "LAB-B", "aws_b.one"),
        finding("critical", "LAB-A", "aws_a.one"),
        finding("high", "LAB-C", "aws_c.one", true),
        finding("low", "LAB-A", "aws_a.two"),
      ],
      suppressed: [],
      unusedSuppressions: [],
      rules,
    });
    expect(section.lines.join("\n")).toContain("❌ **Policy: 4 findings** (1 critical, 1 high, 2 low) from 3 rules.");
    expect(section.rows!.map((r) => r.split(" | ")[0])).toEqual(["| **critical**", "| **high**", "| **low**", "| **low**"]);
    expect(section.rows![1]).toContain("(undecided: the value is known only after apply)");
    expect(section.rows![2]).toBe("| **low** | `LAB-A` LAB-A title | `aws_a.two` | LAB-A on aws_a.two | do the right thing |");
  });
});
