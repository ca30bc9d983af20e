/**
 * The policy pack as a product: its rules and their documentation, the synth-time Aspect,
 * suppressions, and the lab stack passing its own pack. (Each rule against its cases, on synth
 * and plan JSON, is policy-rules.test.ts.)
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Aspects, IAspect, Testing, TerraformStack } from "cdktf";
import { Construct, IConstruct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { resolveSettings } from "../config/settings";
import { LabStack } from "../main";
import { checkTerraformJson, PolicyInputError, RULES } from "../policies";
import { PolicyAspect } from "../policy-aspect/policy-aspect";
import { UNSCOPABLE_ACTIONS } from "../policies/rules/iam-2-resource-wildcard";
import { addressOf, suppressPolicy } from "../policy-aspect/suppress-policy";
import { SUPPRESSIONS_OUTPUT } from "../policies/carried-suppressions";
import { defineRule, Rule } from "../policies/rule";
import { expectPolicyClean } from "./helpers/policy";

const README = readFileSync(join(__dirname, "..", "README.md"), "utf8");

function stackWithPack(): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  Aspects.of(stack).add(new PolicyAspect());
  return stack;
}

/** Synthesizes like `npm run synth` does; returns the annotations, or throws the error synth fails with. */
function synthAnnotations(stack: TerraformStack): { level: string; constructPath: string; message: string }[] {
  const outdir = Testing.fullSynth(stack);
  const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
  return manifest.stacks[stack.node.id].annotations;
}

describe("the rules", () => {
  it("are one per file in policies/rules/, each file named after its rule's id", () => {
    const dir = join(__dirname, "..", "policies", "rules");
    const files = readdirSync(dir).filter((f) => f.endsWith(".ts") && f !== "index.ts");
    const fromFiles = files.map((f) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- every rule file, by the name it is found under
      const rule = require(join(dir, f)).default;
      const [area, n] = f.split("-");
      return { file: f, id: rule.id, named: `LAB-${area.toUpperCase()}-${n}` };
    });
    for (const r of fromFiles) expect(r).toEqual({ ...r, id: r.named });
    expect(fromFiles.map((r) => r.id).sort()).toEqual(RULES.map((r) => r.id).sort());
  });

  it("have unique ids and name their checkov and cdk-nag equivalents in those tools' formats", () => {
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    for (const rule of RULES) {
      expect({ rule: rule.id, checkov: rule.equivalents.checkov.filter((id) => !/^CKV2?_AWS_\d+$/.test(id)) }).toEqual({ rule: rule.id, checkov: [] });
      expect({ rule: rule.id, cdkNag: rule.equivalents.cdkNag.filter((id) => !/^AwsSolutions-[A-Z0-9]+$/.test(id)) }).toEqual({ rule: rule.id, cdkNag: [] });
    }
  });

  it("are all in the README's rule table with their title, severity and equivalents, and nothing else is", () => {
    const lines = README.split("\n");
    const header = lines.indexOf("| rule | title | severity | checkov / cdk-nag |");
    const end = lines.findIndex((line, i) => i > header && !line.startsWith("|"));
    const rows = lines.slice(header + 2, end);
    const equivalents = (r: (typeof RULES)[number]) => [...r.equivalents.checkov, ...r.equivalents.cdkNag].join(", ") || "-";
    expect(rows).toEqual(RULES.map((r) => `| \`${r.id}\` | ${r.title.replace(/\|/g, "\\|")} | ${r.severity} | ${equivalents(r)} |`));
  });

  it('list in the README the reviewed actions that may use Resource "*"', () => {
    for (const { actions } of UNSCOPABLE_ACTIONS) for (const action of actions) expect(README).toContain(`\`${action}\``);
  });
});

describe("the lab stack", () => {
  it("passes its own pack, with one reviewed suppression", () => {
    const result = expectPolicyClean(new LabStack(Testing.app(), resolveSettings()));
    expect(result.suppressed.map((s) => [s.rule, s.address, s.constructPath])).toEqual([
      ["LAB-EC2-5", expect.stringMatching(/^aws_launch_template\./), "streaming-lab/generator/launch-template"],
    ]);
    expect(result.suppressed[0].reason).toMatch(/public by design.*no inbound rule/);
    expect(result.unusedSuppressions).toEqual([]);
  });

  it("passes with its settings changed", () => {
    const env = {
      LAB_STACK_NAME: "other-lab",
      LAB_BUFFER_SIZE_MIB: "128",
      LAB_BUFFER_INTERVAL_SECONDS: "0",
      LAB_LOG_RETENTION_DAYS: "3653",
      LAB_BUCKET_NAME: "my-lab-bucket",
    };
    expect(expectPolicyClean(new LabStack(Testing.app(), resolveSettings({ env }))).suppressed).toHaveLength(1);
  });

  it("has its micro-batch engine checked by the Lambda and SQS rules: without the invoke config or the queue policy it fails them", () => {
    const findingsWithout = (child: string) => {
      const stack = new LabStack(Testing.app(), resolveSettings());
      expect(stack.analytics.node.tryRemoveChild(child)).toBe(true);
      return checkTerraformJson(JSON.parse(Testing.synth(stack))).findings.map((f) => [f.rule, f.address.replace(/_[0-9A-F]{8}$/, "")]);
    };
    expect(findingsWithout("async")).toEqual([["LAB-LAMBDA-3", "aws_lambda_function.analytics_function"]]);
    expect(findingsWithout("failures-policy")).toEqual([["LAB-SQS-2", "aws_sqs_queue.analytics_failures"]]);
  });

  it("fails synth when a construct added to it breaks a rule, naming the rule, the resource and the fix", () => {
    const stack = new LabStack(Testing.app(), resolveSettings());
    new CloudwatchLogGroup(stack, "unbounded-logs", { name: "/lab/unbounded" });
    expect(() => Testing.fullSynth(stack)).toThrow(
      /\[streaming-lab\/unbounded-logs\] LAB-LOG-1 \(low\) CloudWatch log groups have a retention: aws_cloudwatch_log_group\.unbounded-logs keeps its logs forever: retention_in_days is not set\. Fix: Set retention_in_days/,
    );
  });
});

describe("the synth-time Aspect", () => {
  it("turns every finding into an error on the construct that made the resource", () => {
    const stack = stackWithPack();
    const group = new Construct(stack, "logs");
    new CloudwatchLogGroup(group, "a", { name: "/a" });
    new CloudwatchLogGroup(group, "b", { name: "/b" });
    let message = "";
    try {
      synthAnnotations(stack);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.match(/^\[.*?\] LAB-[A-Z0-9]+-\d+/gm)).toEqual(["[test/logs/a] LAB-LOG-1", "[test/logs/b] LAB-LOG-1"]);
  });

  it("prints each suppression with its reason as a note, and warns of a suppression that matches nothing", () => {
    const stack = stackWithPack();
    const kept = new CloudwatchLogGroup(stack, "kept", { name: "/kept" });
    suppressPolicy(kept, "LAB-LOG-1", "audit logs the team must keep without limit");
    const bounded = new CloudwatchLogGroup(stack, "bounded", { name: "/bounded", retentionInDays: 7 });
    suppressPolicy(bounded, "LAB-LOG-1", "a stale exception nobody removed");
    const notes = synthAnnotations(stack).map((a) => [a.level, a.constructPath, a.message]);
    expect(notes).toEqual([
      ["@cdktf/info", "test/kept", "LAB-LOG-1 suppressed on aws_cloudwatch_log_group.kept: audit logs the team must keep without limit"],
      ["@cdktf/warn", "test/bounded", "suppression of LAB-LOG-1 on aws_cloudwatch_log_group.bounded matches no finding; remove it"],
    ]);
  });

  it("checks the stack after every other aspect has changed it", () => {
    const stack = stackWithPack();
    new CloudwatchLogGroup(stack, "logs", { name: "/logs" });
    // Added after the pack, and visits the log group after the pack visited the stack.
    const setRetention: IAspect = { visit: (node: IConstruct) => node instanceof CloudwatchLogGroup && (node.retentionInDays = 30) };
    Aspects.of(stack).add(setRetention);
    expect(synthAnnotations(stack)).toEqual([]);
  });
});

describe("defining a rule", () => {
  const rule = RULES[0];

  it.each([
    ["an id not of the LAB-<AREA>-<n> form", { id: "S3-1" }, 'rule id = "S3-1" is not allowed: it must be LAB-<AREA>-<n>, like LAB-S3-1'],
    ["an empty title", { title: " " }, `rule ${rule.id}: title must not be empty`],
    ["an empty rationale", { rationale: "" }, `rule ${rule.id}: rationale must not be empty`],
    ["an empty fix", { fix: "" }, `rule ${rule.id}: fix must not be empty`],
    ["an unknown severity", { severity: "urgent" }, `rule ${rule.id}: severity = "urgent" is not allowed: it must be one of critical, high, medium, low`],
  ])("refuses %s", (_, change, message) => {
    expect(() => defineRule({ ...rule, ...change } as Rule)).toThrow(message);
  });

  it("returns a well-formed rule as it is", () => {
    expect(defineRule(rule)).toBe(rule);
  });
});

describe("suppressions", () => {
  it("need a known rule and a written reason", () => {
    const stack = stackWithPack();
    expect(() => suppressPolicy(stack, "LAB-LOG-1", "")).toThrow(
      "suppressPolicy: the suppression of LAB-LOG-1 on test has no reason (write at least 10 characters",
    );
    expect(() => suppressPolicy(stack, "LAB-LOG-1", "  ok  ")).toThrow("has no reason");
    expect(() => suppressPolicy(stack, "LAB-LOG-9", "a reason long enough")).toThrow(
      'suppressPolicy: rule = "LAB-LOG-9" is not allowed: it must be one of LAB-S3-1, ',
    );
  });

  it("cover every resource inside the construct they are declared on, and only those", () => {
    const stack = stackWithPack();
    const archive = new Construct(stack, "archive");
    const covered = [new CloudwatchLogGroup(archive, "a", { name: "/a" }), new CloudwatchLogGroup(archive, "b", { name: "/b" })].map((g) => addressOf(g)!);
    new CloudwatchLogGroup(stack, "c", { name: "/c" });
    suppressPolicy(archive, "LAB-LOG-1", "archive logs are kept for the regulator");
    const json = JSON.parse(Testing.synth(stack));
    const result = checkTerraformJson(json);
    expect(result.suppressed.map((s) => s.address)).toEqual(covered);
    expect(result.findings.map((f) => f.address)).toEqual(["aws_cloudwatch_log_group.c"]);
    expect(JSON.parse(json.output[SUPPRESSIONS_OUTPUT].value)).toEqual(
      covered.map((address) => ({ rule: "LAB-LOG-1", address, reason: "archive logs are kept for the regulator" })),
    );
  });

  it("are refused when the output carrying them is malformed", () => {
    const carrying = (value: unknown) => ({ output: { [SUPPRESSIONS_OUTPUT]: { value } } });
    const cases: [unknown, string][] = [
      ["not json", "is not valid JSON"],
      ['{"rule": "LAB-S3-1"}', "must hold a JSON array"],
      ['[{"rule": "LAB-S3-1", "address": "aws_s3_bucket.b"}]', "entry 1: the suppression of LAB-S3-1 on aws_s3_bucket.b has no reason"],
      ['[{"address": "aws_s3_bucket.b", "reason": "a long enough reason"}]', "entry 1: it names no rule"],
      ["${aws_s3_bucket.b.id}", "known before apply"],
    ];
    for (const [value, message] of cases) {
      expect(() => checkTerraformJson(carrying(value))).toThrow(PolicyInputError);
      expect(() => checkTerraformJson(carrying(value))).toThrow(message);
    }
  });
});
