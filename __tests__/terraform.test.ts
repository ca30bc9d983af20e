/**
 * `npm run plan` on the lab stack as on a fresh clone with no AWS account, for both analytics
 * engines: synth, then real Terraform with the real AWS provider 5.100.0 (init, an
 * offline plan, show -json), then the summary. The two stacks run at once, one per core. Set
 * LAB_TF_PROVIDER_MIRROR to a local provider mirror on machines without registry access.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { checkTerraformJson } from "../policies";

const ROOT = join(__dirname, "..");

interface PlannedChange {
  address: string;
  type: string;
  change: { actions: string[]; after: Record<string, any> };
}

interface PlanRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly stackDir: string;
}

const scratch = mkdtempSync(join(tmpdir(), "lab-npm-plan-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs `npm run plan`'s command with no AWS credentials, no other LAB_* settings and its own output folder. */
async function npmRunPlan(name: string, env: Record<string, string> = {}, args: string[] = []): Promise<PlanRun> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AWS_|LAB_(?!TF_PROVIDER_MIRROR))/.test(k)));
  const home = join(scratch, name, "home");
  mkdirSync(home, { recursive: true });
  const outdir = join(scratch, name, "cdktf.out"); // the local state resolves next to it, inside scratch
  const stackDir = join(outdir, "stacks", "streaming-lab");
  try {
    const { stdout, stderr } = await promisify(execFile)("node", ["-r", "./loader/register-ts.js", "scripts/plan.ts", ...args], {
      cwd: ROOT,
      env: { ...base, HOME: home, CDKTF_OUTDIR: outdir, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { status: 0, stdout, stderr, stackDir };
  } catch (e) {
    const { code, stdout, stderr } = e as { code?: number; stdout?: string; stderr?: string };
    return { status: typeof code === "number" ? code : 1, stdout: stdout ?? "", stderr: stderr ?? String(e), stackDir };
  }
}

// Both engines start at once; each describe awaits its own.
const defaultRun = npmRunPlan("lab");
const legacyRun = npmRunPlan("legacy", { LAB_ANALYTICS_ENGINE: "kinesis-analytics-sql" });

/** What one plan run wrote: plan.json, its changes and plan.md. */
function outputsOf(run: PlanRun) {
  const plan = JSON.parse(readFileSync(join(run.stackDir, "plan.json"), "utf8"));
  const changes: PlannedChange[] = plan.resource_changes;
  const after = (type: string) => changes.filter((c) => c.type === type).map((c) => c.change.after);
  return { plan, changes, after, md: readFileSync(join(run.stackDir, "plan.md"), "utf8") };
}

/** The plan passes the policy pack; its only exception is the reviewed public address of the generator. */
function expectPolicyClean(plan: unknown): void {
  const result = checkTerraformJson(plan, { source: "lab plan" });
  expect(result.kind).toBe("plan");
  expect(result.findings).toEqual([]);
  expect(result.suppressed.map((s) => [s.rule, s.address.split(".")[0]])).toEqual([["LAB-EC2-5", "aws_launch_template"]]);
}

describe("npm run plan, offline, with real Terraform (default: micro-batch engine)", () => {
  let run: PlanRun;
  let out: ReturnType<typeof outputsOf>;
  beforeAll(async () => {
    run = await defaultRun;
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    out = outputsOf(run);
  });

  it("runs every step, one progress line each, and says it plans offline", () => {
    expect(run.stderr).toContain("Planning offline: no AWS credentials found (checked");
    const steps = run.stderr.split("\n").filter((l) => /^\[\d\/6\]/.test(l));
    expect(steps.map((l) => l.replace(/ \.\.\. done in \d+\.\d s$/, ""))).toEqual([
      "[1/6] synth",
      "[2/6] terraform init",
      "[3/6] AWS provider",
      "[4/6] terraform plan",
      "[5/6] terraform show -json",
      "[6/6] summary",
    ]);
  });

  it("writes the plan as Terraform's JSON: every resource created, nothing else", () => {
    expect(out.plan.format_version).toMatch(/^1\./);
    expect(out.changes.every((c) => c.change.actions.join() === "create")).toBe(true);
    expect(out.changes).toHaveLength(43);
  });

  it("plans the lab's streams, the function with its package and trigger, and the generator", () => {
    const { after } = out;
    expect(
      after("aws_kinesis_firehose_delivery_stream")
        .map((s) => [s.name, s.extended_s3_configuration[0].prefix])
        .sort(),
    ).toEqual([
      ["Destination", "destination/"],
      ["Source", "source/"],
    ]);
    expect(after("aws_kinesis_analytics_application")).toEqual([]);
    const [fn] = after("aws_lambda_function");
    expect(fn).toEqual(
      expect.objectContaining({ function_name: "StreamApplication", runtime: "nodejs22.x", handler: "index.handler", timeout: 60, memory_size: 512 }),
    );
    expect(fn.source_code_hash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const [notification] = after("aws_s3_bucket_notification");
    expect(notification.lambda_function[0]).toEqual(expect.objectContaining({ events: ["s3:ObjectCreated:*"], filter_prefix: "source/" }));
    expect(after("aws_sqs_queue")[0].sqs_managed_sse_enabled).toBe(true);
    const [template] = after("aws_launch_template");
    expect(template.metadata_options[0]).toEqual(expect.objectContaining({ http_tokens: "required" }));
    expect(after("aws_instance")).toHaveLength(1);
  });

  it("plans a stack that passes the policy pack, with the one suppression it carries", () => {
    expectPolicyClean(out.plan);
  });

  it("writes and prints the review summary: counts, the offline warning, the policy section", () => {
    const { md } = out;
    expect(run.stdout).toContain(md);
    expect(md).toContain("## Terraform plan: `streaming-lab` (offline)");
    expect(md).toContain("**Plan: 43 to add, 0 to change, 0 to destroy.**");
    expect(md).toContain("| + create | 43 |");
    expect(md).toContain("State: local file");
    expect(md).toContain("(none yet: nothing has been deployed from this folder, so every resource is new)");
    expect(md).toContain("- ⚠️ **Offline plan**: no AWS credentials found.");
    expect(md).not.toContain("Kinesis Data Analytics for SQL is discontinued");
    expect(md).toMatch(/### Policy checks\n✅ \*\*Policy: passed\*\*: \d+ rules, no findings, 1 suppressed with a reason\./);
    expect(md).toContain("| `LAB-EC2-5` | `aws_launch_template.");
    expect(md.split("\n").filter((l) => l.startsWith("| + create | `aws_"))).toHaveLength(43);
    // The estimate at the settings, between the policy checks and the resources.
    expect(md).toMatch(
      /### Policy checks[^]*### Estimated monthly cost\n\n_An \*\*estimate\*\*, not a bill[^]*\| \*\*total\*\* \| \| \*\*\$[\d.]+\*\* \|[^]*### Resources by action/,
    );
  });

  it("leaves the synthesized folder clean for a real deploy: no dummy credentials, no offline state", () => {
    expect(readdirSync(run.stackDir).sort()).toEqual(["assets", "cdk.tf.json", "plan.json", "plan.md"]); // assets: the function's package
    expect(JSON.parse(readFileSync(join(run.stackDir, "cdk.tf.json"), "utf8")).provider.aws[0]).not.toHaveProperty("access_key");
  });
});

describe("npm run plan, offline, with real Terraform (LAB_ANALYTICS_ENGINE=kinesis-analytics-sql)", () => {
  let out: ReturnType<typeof outputsOf>;
  beforeAll(async () => {
    const run = await legacyRun;
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    out = outputsOf(run);
  });

  it("plans the lab's SQL application with its eleven columns, and no function", () => {
    expect(out.changes.every((c) => c.change.actions.join() === "create")).toBe(true);
    expect(out.changes).toHaveLength(39);
    const [application] = out.after("aws_kinesis_analytics_application");
    expect(application.name).toBe("StreamApplication");
    expect(application.inputs[0].schema[0].record_columns).toHaveLength(11);
    expect(out.after("aws_lambda_function")).toEqual([]);
  });

  it("warns in the summary that the analytics service is discontinued, and leaves it out of the cost estimate", () => {
    expect(out.md).toContain("- ⚠️ **Kinesis Data Analytics for SQL is discontinued** (`aws_kinesis_analytics_application.");
    expect(out.md).toContain("- The total leaves out what has no price: SQL application (legacy engine).");
  });

  it("plans a stack that passes the policy pack too", () => {
    expectPolicyClean(out.plan);
  });
});

describe("npm run plan when something is wrong", () => {
  it("names a failing step and shows Terraform's own diagnostics, and plan.md says it failed", async () => {
    const emptyMirror = join(scratch, "empty-mirror");
    mkdirSync(join(emptyMirror, "registry.terraform.io"), { recursive: true });
    const run = await npmRunPlan("no-provider", { LAB_TF_PROVIDER_MIRROR: emptyMirror });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/\[2\/6\] terraform init \.\.\. FAILED after \d+\.\d s/);
    expect(run.stderr).toContain('plan failed at step "terraform init"');
    expect(run.stderr).toContain("Failed to query available provider packages"); // Terraform's words
    expect(readFileSync(join(run.stackDir, "plan.md"), "utf8")).toContain("## Terraform plan failed at step: terraform init");
    expect(existsSync(join(run.stackDir, "plan.json"))).toBe(false);
  });

  it("stops at synth on a bad setting, before Terraform sees it", async () => {
    const run = await npmRunPlan("bad-setting", { LAB_BUFFER_SIZE_MIB: "500" });
    expect(run.status).toBe(2); // unusable input
    expect(run.stderr).toContain('plan failed at step "synth"');
    expect(run.stderr).toContain('LAB_BUFFER_SIZE_MIB = "500" is not allowed');
    expect(run.stderr).not.toContain("terraform init");
  });

  it("refuses an unknown argument with its usage", async () => {
    const run = await npmRunPlan("bad-argument", {}, ["--apply"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("plan: unknown argument --apply\nusage: npm run plan [-- --destroy]");
  });
});
