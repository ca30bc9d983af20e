/**
 * Every rule of the policy pack against its failing and passing cases, on both kinds of input:
 * the synthesized JSON and the plan JSON that real Terraform (AWS provider 5.100.0, offline; see
 * terraform/terraform.ts) makes of it. One stack holds every case, so there is one synth, one
 * `terraform init` and one plan for the whole pack. Then the CLI on those same files.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, LocalBackend, TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { resolveSettings } from "../config/settings";
import { LabStack } from "../main";
import { checkTerraformJson, CheckResult, RULES } from "../policies";
import { addressOf } from "../policy-aspect/suppress-policy";
import { main as policyCli } from "../scripts/policy";
import { withProviderProcess } from "../terraform/provider-process";
import { terraformEnv, terraformOrThrow, writeOfflineOverride } from "../terraform/terraform";
import { buildPolicyCases, buildSynthOnlyCases, buildUndecidedCases, POLICY_CASES, SUPPRESSION_REASON } from "./helpers/policy-cases";

const ROOT = join(__dirname, "..");

/** The HCL cases (helpers/policy-hcl-cases.tf and its module) and what the plan must report for them. */
const HCL_EXPECTED: Record<string, { address: string; undecided: boolean }[]> = {
  "LAB-S3-6": [{ address: "module.nested.aws_s3_bucket.this[0]", undecided: false }],
  "LAB-IAM-1": [
    { address: "aws_iam_role_policy.hcl_document_policy", undecided: false },
    { address: "aws_iam_role_policy.hcl_template_policy", undecided: true },
  ],
  "LAB-IAM-2": [{ address: "aws_iam_role_policy.hcl_template_policy", undecided: true }],
  "LAB-SQS-2": [{ address: "aws_sqs_queue.hcl_queue", undecided: true }],
  "LAB-SQS-3": [{ address: "aws_sqs_queue_policy.hcl_queue_policy", undecided: true }],
  "LAB-LAMBDA-2": [{ address: "aws_lambda_permission.hcl_account_invokes", undecided: true }],
  "LAB-LAMBDA-3": [{ address: "aws_lambda_function.hcl_function", undecided: false }],
};

function newStack(app: App, id: string): TerraformStack {
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  new LocalBackend(stack, { path: "terraform.tfstate" }); // state (none: plan only) stays in the temp folder
  return stack;
}

const addresses = (constructs: IConstruct[]) => constructs.map((c) => addressOf(c)!).sort();
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const flagged = (result: CheckResult, rule: string) =>
  result.findings
    .filter((f) => f.rule === rule)
    .map((f) => f.address)
    .sort();

describe("the policy pack on its cases", () => {
  const outdir = mkdtempSync(join(tmpdir(), "lab-policy-"));
  const app = new App({ outdir });
  const fixture = buildPolicyCases(newStack(app, "policy-cases"));
  const synthOnly = buildSynthOnlyCases(newStack(app, "policy-cases-synth-only"));
  const undecidedStack = (rule: string) => `policy-cases-undecided-${rule.toLowerCase()}`;
  const undecided = buildUndecidedCases((rule) => newStack(app, undecidedStack(rule)));
  app.synth();
  const dir = join(outdir, "stacks", "policy-cases");
  const synthFile = join(dir, "cdk.tf.json");
  const synthResult = checkTerraformJson(JSON.parse(readFileSync(synthFile, "utf8")));
  const synthOnlyResult = checkTerraformJson(JSON.parse(readFileSync(join(outdir, "stacks", "policy-cases-synth-only", "cdk.tf.json"), "utf8")));
  const undecidedResult = (rule: string) => checkTerraformJson(JSON.parse(readFileSync(join(outdir, "stacks", undecidedStack(rule), "cdk.tf.json"), "utf8")));
  copyFileSync(join(__dirname, "helpers", "policy-hcl-cases.tf"), join(dir, "hcl_cases.tf"));
  cpSync(join(__dirname, "helpers", "policy-hcl-module"), join(dir, "nested"), { recursive: true });
  writeOfflineOverride(dir);

  const planFile = join(dir, "plan.json");
  let plan: unknown;
  let planResult: CheckResult;
  beforeAll(() => {
    terraformOrThrow(dir, ["init", "-input=false"]);
    const shown = withProviderProcess(dir, terraformEnv(), (env) => {
      terraformOrThrow(dir, ["plan", "-input=false", "-out=cases.tfplan"], env);
      return terraformOrThrow(dir, ["show", "-json", "cases.tfplan"], env).stdout;
    });
    writeFileSync(planFile, shown);
    plan = JSON.parse(shown);
    planResult = checkTerraformJson(plan);
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it("has a passing and a failing case for every rule, and no case for a rule it does not have", () => {
    expect(Object.keys(POLICY_CASES).sort()).toEqual(RULES.map((r) => r.id).sort());
    for (const rule of RULES) expect({ rule: rule.id, failing: fixture.expected[rule.id].length > 0 }).toEqual({ rule: rule.id, failing: true });
  });

  it("reads the plan of the same stack", () => {
    expect(planResult.kind).toBe("plan");
    expect(synthResult.kind).toBe("synth");
    // Every synthesized resource and data source is in the plan, plus the HCL ones (10, and 6 in the module).
    expect(planResult.resourceCount).toBe(synthResult.resourceCount + 16);
  });

  describe.each(RULES.map((r) => [r.id, r.title]))("%s %s", (id) => {
    it("flags exactly its failing cases in the synthesized JSON", () => {
      expect(flagged(synthResult, id)).toEqual(addresses(fixture.expected[id]));
    });

    it("flags exactly its failing cases in the plan JSON", () => {
      const hcl = (HCL_EXPECTED[id] ?? []).map((h) => h.address);
      expect(flagged(planResult, id)).toEqual([...addresses(fixture.expected[id]), ...hcl].sort());
    });

    if (POLICY_CASES[id].synthOnly) {
      it(`flags a case only synthesized JSON can hold (${POLICY_CASES[id].synthOnly.why})`, () => {
        expect(flagged(synthOnlyResult, id)).toEqual(addresses(synthOnly.expected[id]));
      });
    }

    if (POLICY_CASES[id].undecided) {
      it("reports a deciding value known only after apply (a Terraform variable) as undecided, never as a pass", () => {
        const findings = undecidedResult(id).findings.filter((f) => f.rule === id);
        expect(findings.map((f) => [f.address, f.undecided]).sort()).toEqual(addresses(undecided.expected[id]).map((a) => [a, true]));
      });
    }
  });

  it("decides every synthesized case, and reports what the plan cannot know as undecided, not as a pass", () => {
    expect(synthResult.findings.filter((f) => f.undecided)).toEqual([]);
    const undecided = planResult.findings.filter((f) => f.undecided).map((f) => [f.rule, f.address]);
    const expected = Object.entries(HCL_EXPECTED).flatMap(([rule, cases]) => cases.filter((c) => c.undecided).map((c) => [rule, c.address]));
    expect(undecided.sort()).toEqual(expected.sort());
  });

  it("honours the suppression carried in the stack's output, on synthesized and on plan JSON", () => {
    for (const result of [synthResult, planResult]) {
      expect(result.suppressed.map((s) => [s.rule, s.address, s.reason])).toEqual([["LAB-LOG-1", addressOf(fixture.suppressed), SUPPRESSION_REASON]]);
      expect(result.findings.some((f) => f.address === addressOf(fixture.suppressed))).toBe(false);
    }
  });

  it("names the construct of each finding in synthesized JSON", () => {
    const finding = synthResult.findings.find((f) => f.rule === "LAB-LOG-1")!;
    expect(finding.constructPath).toBe("policy-cases/lab-log-1/fail/kept-forever");
  });

  describe("npm run policy", () => {
    const run = (args: string[], input?: string) =>
      spawnSync(process.execPath, ["-r", "./loader/register-ts.js", "scripts/policy.ts", ...args], { cwd: ROOT, encoding: "utf8", input });

    it("exits 1 on the synthesized cases and lists rule, resource, problem, fix and the suppression (text)", () => {
      const { status, stdout } = run([synthFile]);
      expect(status).toBe(1);
      const finding = synthResult.findings.find((f) => f.rule === "LAB-S3-1")!;
      expect(stdout).toMatch(new RegExp(`^LAB-S3-1 +high +${escape(finding.address)} +${escape(finding.message)}$`, "m"));
      expect(stdout).toContain(`LAB-S3-1  ${finding.fix}`);
      expect(stdout).toMatch(new RegExp(`^LAB-LOG-1 +aws_cloudwatch_log_group\\.suppressed-log-group +${escape(SUPPRESSION_REASON)}$`, "m"));
      expect(stdout).toContain(`result: FAIL (${synthResult.findings.length} violation(s), 0 undecided, 1 suppressed)`);
    });

    it("exits 1 on the plan read from standard input and reports the same as the engine (json)", () => {
      const { status, stdout } = run(["-", "--format", "json"], readFileSync(planFile, "utf8"));
      expect(status).toBe(1);
      const report = JSON.parse(stdout);
      expect(report).toEqual(expect.objectContaining({ passed: false, kind: "plan", source: "standard input" }));
      expect(report.findings).toEqual(planResult.findings);
      expect(report.suppressed).toEqual(planResult.suppressed);
      expect(report.rules.map((r: { id: string }) => r.id)).toEqual(RULES.map((r) => r.id));
    });

    it("exits 0 on the lab stack, listing its suppression with the reason", () => {
      const labOut = join(outdir, "lab");
      const labApp = new App({ outdir: labOut });
      new LabStack(labApp, resolveSettings());
      labApp.synth();
      const { status, stdout } = run([join(labOut, "stacks", "streaming-lab", "cdk.tf.json")]);
      expect(status).toBe(0);
      expect(stdout).toMatch(/^LAB-EC2-5 +aws_launch_template\.generator_launch-template_\w+ +the subnet is public by design/m);
      expect(stdout).toContain("result: PASS (0 violation(s), 0 undecided, 1 suppressed)");
    });

    it("exits 2, saying why, when the file cannot be read or is neither kind of JSON", () => {
      const file = (name: string, text: string) => {
        const path = join(outdir, name);
        writeFileSync(path, text);
        return path;
      };
      const cases: [string[], string][] = [
        [[join(outdir, "missing.json")], "it cannot be read"],
        [[file("text.json", "not json")], "it is not JSON"],
        [[file("other.json", '{"name": "a package.json"}')], "neither a Terraform configuration"],
        [[file("state.json", '{"format_version": "1.0", "values": {}}')], "not of a state"],
        [
          [
            file(
              "no-reason.json",
              JSON.stringify({ output: { lab_policy_suppressions: { value: '[{"rule":"LAB-S3-1","address":"aws_s3_bucket.b","reason":""}]' } } }),
            ),
          ],
          "has no reason",
        ],
        [[synthFile, "--format", "yaml"], '--format = "yaml" is not allowed'],
        [[], "no FILE given"],
      ];
      for (const [args, message] of cases) {
        const errors: string[] = [];
        expect({
          args,
          status: policyCli(
            args,
            () => undefined,
            (t) => errors.push(t),
          ),
        }).toEqual({ args, status: 2 });
        expect(errors.join("\n")).toContain(message);
      }
      // And as a process: the exit status a pull-request job sees.
      const { status, stderr } = run([join(outdir, "text.json")]);
      expect(status).toBe(2);
      expect(stderr).toContain("it is not JSON");
    });
  });
});
