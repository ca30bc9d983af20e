/**
 * The lab stack deployed into the local AWS with real Terraform and the real AWS provider: synth
 * into a folder of the run's own (never cdktf.out, so `cdktf deploy` can never pick up the local
 * override), the provider override next to cdk.tf.json, a state file of the run's own, and apply,
 * plan and destroy with a progress line.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { App } from "cdktf";
import { LabSettings } from "../config/settings";
import { LabStack } from "../main";
import { terraformAsync, terraformEnv, terraformOrThrow } from "../terraform/terraform";
import { LOCAL_PROVIDER_OVERRIDE_FILE, localProviderOverride, servicesOfStack } from "./endpoints";
import { StatusLine } from "./status-line";

/** The run's own state file: its name says whose it is, and it lives only in the run's folder. */
const LOCAL_STATE_FILE = "terraform.local-aws.tfstate";
const BACKEND_OVERRIDE_FILE = "backend_override.tf.json";

export interface LocalStack {
  readonly stackDir: string;
  readonly settings: LabSettings;
  /** The synthesized configuration (cdk.tf.json). */
  readonly json: { resource?: Record<string, Record<string, unknown>>; data?: Record<string, unknown> };
  /** The environment Terraform runs with: the provider mirror, no AWS_* variables. */
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Synthesizes the stack into `outdir` for a local run. Throws NoLocalEndpoint (naming the resource
 * types) when a service of the stack has no local endpoint, before anything is started.
 */
export function synthLocalStack(settings: LabSettings, outdir: string, env: NodeJS.ProcessEnv): LocalStack {
  mkdirSync(outdir, { recursive: true });
  const app = new App({ outdir });
  new LabStack(app, settings);
  app.synth();
  const stackDir = join(outdir, "stacks", settings.stackName);
  const json = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")) as LocalStack["json"];
  servicesOfStack(json);
  const tfEnv = terraformEnv(Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith("AWS_"))));
  return { stackDir, settings, json, env: tfEnv };
}

/** The overrides of a local run, next to cdk.tf.json: the provider's settings and the run's own state file (the endpoints are the provider process's: localProviderEnv). */
export function writeLocalOverrides(stack: LocalStack): void {
  writeJson(join(stack.stackDir, LOCAL_PROVIDER_OVERRIDE_FILE), localProviderOverride());
  writeJson(join(stack.stackDir, BACKEND_OVERRIDE_FILE), { terraform: { backend: { local: { path: LOCAL_STATE_FILE } } } });
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** How many resources the configuration manages (what an apply creates). */
export function resourceCount(stack: LocalStack): number {
  return Object.values(stack.json.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
}

export function initLocalStack(stack: LocalStack): void {
  terraformOrThrow(stack.stackDir, ["init", "-input=false"], stack.env);
}

export interface TerraformRun {
  readonly status: number;
  readonly output: string;
  readonly seconds: number;
}

/**
 * Runs `terraform apply` or `destroy` (auto-approved: the emulator is the run's own) and shows how
 * many of the `total` resources are done and what Terraform is waiting for.
 */
export function applyWithProgress(stack: LocalStack, verb: "apply" | "destroy", total: number, status: StatusLine): Promise<TerraformRun> {
  const started = Date.now();
  const [busy, doneWord, label] = verb === "apply" ? ["Creating...", "Creation complete", "created"] : ["Destroying...", "Destruction complete", "destroyed"];
  const waiting = new Set<string>();
  let done = 0;
  let changing = false;
  const draw = () => {
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    const on = [...waiting][0];
    const what = changing ? `${done}/${total} resources ${label}` : "Terraform and the AWS provider start, read the state and plan";
    status.update(`${verb}: ${what}, ${seconds} s${on ? `; waiting on ${on}${waiting.size > 1 ? ` and ${waiting.size - 1} more` : ""}` : ""}`);
  };
  return new Promise((resolve, reject) => {
    // A destroy needs no refresh first: the state is the run's own, and nothing but this run changes the emulator.
    const refresh = verb === "destroy" ? ["-refresh=false"] : [];
    const child = spawn("terraform", [`-chdir=${stack.stackDir}`, verb, "-auto-approve", "-input=false", "-no-color", ...refresh], { env: stack.env });
    let output = "";
    let pending = "";
    const timer = setInterval(draw, 1000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const address = line.split(": ")[0];
        if (line.endsWith(busy)) {
          waiting.add(address);
          changing = true;
        }
        if (line.includes(`: ${doneWord}`)) {
          waiting.delete(address);
          done += 1;
        }
      }
      draw();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", (error) => {
      clearInterval(timer);
      reject(new Error(`cannot run terraform (${error.message}); install Terraform 1.11+ and put it on PATH`));
    });
    child.on("close", (code) => {
      clearInterval(timer);
      writeFileSync(join(stack.stackDir, `terraform-${verb}.log`), output); // Terraform's own words, for when it failed
      const seconds = (Date.now() - started) / 1000;
      status.finish(
        `${verb}: ${done}/${total} resources ${label} in ${seconds.toFixed(1)} s${code === 0 ? "" : ` (terraform ${verb} failed, exit ${String(code)})`}`,
      );
      resolve({ status: code ?? 1, output, seconds });
    });
  });
}

/** Terraform's plan JSON's resource changes (what would change, per address). */
export interface PlannedChange {
  readonly address: string;
  readonly type: string;
  readonly change: { readonly actions: string[]; readonly before: unknown; readonly after: unknown; readonly replace_paths?: unknown[] };
}

/**
 * A plan against the run's state: the resource changes that are not no-ops. Without blocking, so
 * that records can flow while Terraform plans (the plan reads only what Terraform manages).
 */
export async function planChanges(stack: LocalStack, args: string[] = []): Promise<PlannedChange[]> {
  const planFile = "local.tfplan";
  const run = async (tfArgs: string[]) => {
    const result = await terraformAsync(stack.stackDir, tfArgs, stack.env);
    if (result.status !== 0) throw new Error(`${result.command} failed (exit ${result.status}) in ${stack.stackDir}:\n${result.stderr}${result.stdout}`);
    return result.stdout;
  };
  await run(["plan", "-input=false", "-lock=false", `-out=${planFile}`, ...args]);
  const plan = JSON.parse(await run(["show", "-json", planFile])) as { resource_changes?: PlannedChange[] };
  return (plan.resource_changes ?? []).filter((c) => !(c.change.actions.length === 1 && c.change.actions[0] === "no-op"));
}

/** A resource instance in the state file. */
export interface StateResource {
  readonly type: string;
  readonly name: string;
  readonly attributes: Record<string, unknown>;
}

/**
 * The run's state, read from its state file (the local backend's JSON, version 4): outputs and
 * every resource instance with its attributes. Reading the file takes milliseconds where
 * `terraform show -json` starts the provider.
 */
export function readLocalState(stack: LocalStack): { outputs: Record<string, unknown>; resources: StateResource[] } {
  let state: {
    outputs?: Record<string, { value: unknown }>;
    resources?: Array<{ type: string; name: string; mode: string; instances: Array<{ attributes: Record<string, unknown> }> }>;
  };
  try {
    state = JSON.parse(readFileSync(join(stack.stackDir, LOCAL_STATE_FILE), "utf8")) as typeof state;
  } catch {
    return { outputs: {}, resources: [] }; // no state file yet: nothing deployed
  }
  const outputs = Object.fromEntries(Object.entries(state.outputs ?? {}).map(([name, output]) => [name, output.value]));
  const resources = (state.resources ?? [])
    .filter((r) => r.mode === "managed")
    .flatMap((r) => r.instances.map((instance) => ({ type: r.type, name: r.name, attributes: instance.attributes })));
  return { outputs, resources };
}
