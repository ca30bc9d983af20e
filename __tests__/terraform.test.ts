/**
 * The synthesized lab stack through real Terraform and the real AWS provider (5.100.0): init,
 * validate and an offline plan (dummy credentials, the provider's skip settings; see
 * scripts/terraform.ts). Set LAB_TF_PROVIDER_MIRROR to a local provider mirror on machines
 * without registry access.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { App } from "cdktf";
import { resolveSettings } from "../config/settings";
import { LabStack } from "../main";
import { checkTerraformJson } from "../policies";
import { PROVIDER_MIRROR_ENV, terraformEnv, writeOfflineOverride } from "../scripts/terraform";

interface PlannedChange {
  address: string;
  type: string;
  change: { actions: string[]; after: Record<string, any> };
}

/** Both engines: the default (micro-batch) stack and the legacy SQL application, synthesized into one folder. */
const outdir = mkdtempSync(join(tmpdir(), "lab-terraform-"));
const app = new App({ outdir });
new LabStack(app, resolveSettings());
new LabStack(app, resolveSettings({ env: { LAB_STACK_NAME: "legacy-lab", LAB_ANALYTICS_ENGINE: "kinesis-analytics-sql" } }));
app.synth();

const execFileAsync = promisify(execFile);

interface TerraformRun {
  readonly validate: string;
  readonly plan: { resource_changes: PlannedChange[] };
  readonly changes: PlannedChange[];
}

/** Runs terraform in a stack folder without blocking, so that both stacks use both cores. */
async function tf(dir: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync("terraform", [`-chdir=${dir}`, ...args, "-no-color"], { env: terraformEnv(), maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    const hint = args[0] === "init" && !process.env[PROVIDER_MIRROR_ENV] ? `\nhint: without access to registry.terraform.io, set ${PROVIDER_MIRROR_ENV} to a local provider mirror` : "";
    throw new Error(`terraform ${args.join(" ")} failed in ${dir}:\n${stderr ?? ""}${stdout ?? ""}${hint}`);
  }
}

/** One stack folder: init once, validate, plan once (offline), and read the plan. */
async function initValidatePlan(name: string): Promise<TerraformRun> {
  const dir = join(outdir, "stacks", name);
  writeOfflineOverride(dir);
  // Keep this test's (empty) state inside its own folder.
  writeFileSync(join(dir, "state_override.tf.json"), JSON.stringify({ terraform: { backend: { local: { path: "terraform.tfstate" } } } }));
  await tf(dir, ["init", "-input=false"]);
  const validate = await tf(dir, ["validate"]);
  await tf(dir, ["plan", "-input=false", "-out=lab.tfplan"]);
  const plan = JSON.parse(await tf(dir, ["show", "-json", "lab.tfplan"]));
  return { validate, plan, changes: plan.resource_changes };
}

const runs = new Map<string, Promise<TerraformRun>>();
/** Starts both stacks at once (on first use), each awaited by its own cases. */
function run(name: string): Promise<TerraformRun> {
  if (runs.size === 0) for (const stack of ["streaming-lab", "legacy-lab"]) runs.set(stack, initValidatePlan(stack));
  return runs.get(name)!;
}
/** The plan passes the policy pack; its only exception is the reviewed public address of the generator. */
function expectPlanClean(plan: unknown): void {
  const report = checkTerraformJson(plan, { source: "lab plan" });
  expect(report.kind).toBe("plan");
  expect(report.findings).toEqual([]);
  expect(report.suppressed.map((s) => [s.rule, s.address.split(".")[0]])).toEqual([["LAB-EC2-5", "aws_launch_template"]]);
}
const afterOf = (changes: PlannedChange[], type: string) => changes.filter((c) => c.type === type).map((c) => c.change.after);

describe("the default lab stack (micro-batch engine) with real Terraform", () => {
  let result: TerraformRun;
  const after = (type: string) => afterOf(result.changes, type);
  beforeAll(async () => {
    result = await run("streaming-lab");
  });

  it("passes terraform validate", () => {
    expect(result.validate).toContain("Success! The configuration is valid.");
  });

  it("plans offline, creating every resource and changing nothing else", () => {
    expect(result.changes.every((c) => c.change.actions.join() === "create")).toBe(true);
    expect(result.changes).toHaveLength(43);
  });

  it("plans the lab's streams, the function with its package and trigger, and the generator", () => {
    expect(after("aws_kinesis_firehose_delivery_stream").map((s) => [s.name, s.extended_s3_configuration[0].prefix]).sort()).toEqual([
      ["Destination", "destination/"],
      ["Source", "source/"],
    ]);
    expect(after("aws_kinesis_analytics_application")).toEqual([]);
    const [fn] = after("aws_lambda_function");
    expect(fn).toEqual(expect.objectContaining({ function_name: "StreamApplication", runtime: "nodejs22.x", handler: "index.handler", timeout: 60, memory_size: 512 }));
    expect(fn.source_code_hash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const [notification] = after("aws_s3_bucket_notification");
    expect(notification.lambda_function[0]).toEqual(expect.objectContaining({ events: ["s3:ObjectCreated:*"], filter_prefix: "source/" }));
    expect(after("aws_sqs_queue")[0].sqs_managed_sse_enabled).toBe(true);
    const [template] = after("aws_launch_template");
    expect(template.metadata_options[0]).toEqual(expect.objectContaining({ http_tokens: "required" }));
    expect(after("aws_instance")).toHaveLength(1);
  });

  it("plans a stack that passes the policy pack, with the one suppression it carries", () => {
    expectPlanClean(result.plan);
  });
});

describe("the legacy lab stack (LAB_ANALYTICS_ENGINE=kinesis-analytics-sql) with real Terraform", () => {
  let result: TerraformRun;
  beforeAll(async () => {
    result = await run("legacy-lab");
  });

  it("passes terraform validate", () => {
    expect(result.validate).toContain("Success! The configuration is valid.");
  });

  it("plans offline the lab's SQL application with its eleven columns, and no function", () => {
    expect(result.changes.every((c) => c.change.actions.join() === "create")).toBe(true);
    expect(result.changes).toHaveLength(39);
    const [application] = afterOf(result.changes, "aws_kinesis_analytics_application");
    expect(application.name).toBe("StreamApplication");
    expect(application.inputs[0].schema[0].record_columns).toHaveLength(11);
    expect(afterOf(result.changes, "aws_lambda_function")).toEqual([]);
  });

  it("plans a stack that passes the policy pack too", () => {
    expectPlanClean(result.plan);
  });
});
