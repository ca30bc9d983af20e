/**
 * The lab's plan, as `npm run plan` and `npm run deploy` make it: synth, terraform init / plan / show -json, then the review summary. (`plan`
 * validates the configuration itself: a separate `validate` would only start the provider once more;
 * plan and show share one provider process.)
 * Writes plan.json and plan.md into cdktf.out/stacks/<stack>/ and prints the summary.
 *
 * The summary includes the policy pack's verdict on the plan (policies/).
 *
 * Without AWS credentials (terraform/aws-credentials.ts) it plans offline in a scratch copy of the
 * stack (dummy credentials, the provider's skip settings, no refresh), so the synthesized folder
 * stays clean for a real `cdktf deploy`. With credentials it plans in place, against the account.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { App } from "cdktf";
import { settingsFromProject } from "../config/settings";
import { LabStack } from "../main";
import { LabSettings } from "../config/settings";
import { costReview } from "../costs/review";
import { checkTerraformJson } from "../policies";
import { printAnnotations } from "./synth-annotations";
import { AwsAccess, awsAccess } from "./aws-credentials";
import { PlanContext, renderPlanSummary, TerraformPlanJson } from "./plan-summary";
import { Progress, StepFailed } from "../text/progress";
import { ProviderProcess } from "./provider-process";
import { offlineCopy, providerSource, terraformEnv, terraformOrThrow } from "./terraform";

const PROJECT_DIR = resolve(__dirname, "..");
/** The saved plan `npm run deploy` applies (in the stack folder; online plans only). */
export const PLAN_FILE = "plan.tfplan";

export interface PlanOptions {
  /** Environment: settings (LAB_*), credentials, the provider mirror. Default: process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Home folder holding ~/.aws (default: the user's). */
  readonly home?: string;
  /** Plan a destroy instead of the configuration. */
  readonly destroy?: boolean;
  /** Keep the saved plan file for an apply (online only). */
  readonly keepPlanFile?: boolean;
  /** Where progress lines go (default: stderr). */
  readonly write?: (text: string) => void;
}

export interface PlanResult {
  readonly stackDir: string;
  readonly access: AwsAccess;
  readonly plan: TerraformPlanJson;
  readonly summary: string;
}

/** The synth output folder, as the cdktf CLI and App choose it. */
function outdirOf(env: NodeJS.ProcessEnv): string {
  return resolve(PROJECT_DIR, env.CDKTF_OUTDIR ?? "cdktf.out");
}

export function runPlan(options: PlanOptions = {}): PlanResult {
  const env = options.env ?? process.env;
  const write = options.write ?? ((text: string) => process.stderr.write(text));
  const progress = new Progress(6, write);
  const access = awsAccess(env, options.home);
  write(access.offline ? `Planning offline: ${access.reason}${access.checked ? ` (${access.checked})` : ""}.\n` : `Planning against AWS: ${access.reason}.\n`);
  write(`Providers: ${providerSource(env).description}.\n`);

  let stackDir: string | undefined;
  let scratch: string | undefined;
  let planFile: string | undefined;
  let keepPlanFile = false as boolean; // set inside the summary step, where TypeScript does not follow it
  try {
    const { settings, notes } = progress.step("synth", () => synth(env));
    for (const note of notes) write(`      ${note}\n`);
    stackDir = join(outdirOf(env), "stacks", settings.stackName);
    for (const stale of ["plan.json", "plan.md", PLAN_FILE]) rmSync(join(stackDir, stale), { force: true });

    const state = stateOf(settings, stackDir, access.offline);
    if (access.offline) scratch = offlineCopy(stackDir, state.offlinePath);
    const workDir = scratch ?? stackDir;
    const tfEnv = terraformEnv(env);
    planFile = join(workDir, PLAN_FILE);
    const planArgs = ["plan", "-input=false", `-out=${planFile}`];
    if (options.destroy) planArgs.push("-destroy");
    // Offline there is nothing to refresh from, and no lock to take on a state only read.
    if (access.offline) planArgs.push("-refresh=false", "-lock=false");

    progress.step("terraform init", () => terraformOrThrow(workDir, ["init", "-input=false"], tfEnv));
    // plan and show attach to one provider process (see provider-process.ts) instead of starting it several times each.
    const savedPlan = planFile;
    const planJson = progress
      .step("AWS provider", () => ProviderProcess.start(workDir, tfEnv))
      .serve(tfEnv, (attached) => {
        progress.step(`terraform plan${options.destroy ? " -destroy" : ""}`, () => terraformOrThrow(workDir, planArgs, attached));
        return progress.step("terraform show -json", () => terraformOrThrow(workDir, ["show", "-json", savedPlan], attached).stdout);
      });

    const finalStackDir = stackDir;
    return progress.step("summary", () => {
      const plan = JSON.parse(planJson) as TerraformPlanJson;
      const context: PlanContext = {
        stack: settings.stackName,
        offline: access.offline,
        accessReason: access.reason,
        state: state.description,
        destroy: options.destroy,
        // The policy pack on the plan itself: what Terraform will do, modules and computed values included.
        policy: checkTerraformJson(plan, { source: "plan.json" }),
        // What the configuration costs a month; a destroy leaves nothing to estimate.
        cost: options.destroy ? undefined : costReview(settings, env),
      };
      const summary = renderPlanSummary(plan, context);
      writeFileSync(join(finalStackDir, "plan.json"), planJson);
      writeFileSync(join(finalStackDir, "plan.md"), summary);
      keepPlanFile = options.keepPlanFile === true && !access.offline;
      return { stackDir: finalStackDir, access, plan, summary };
    });
  } catch (error) {
    // A failed run leaves a plan.md that says so: a stale summary would be read as current.
    if (stackDir !== undefined && error instanceof StepFailed) writeFailure(stackDir, error);
    throw error;
  } finally {
    // Only a deploy keeps the saved plan, and only a good one: Terraform saves errored plans too.
    if (planFile !== undefined && !keepPlanFile) rmSync(planFile, { force: true });
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  }
}

/** Synthesizes the stack as `npm run synth` does; returns its settings and the warnings constructs attached. */
function synth(env: NodeJS.ProcessEnv): { settings: LabSettings; notes: string[] } {
  const settings = settingsFromProject(env);
  mkdirSync(outdirOf(env), { recursive: true });
  const app = new App({ outdir: outdirOf(env) });
  new LabStack(app, settings);
  app.synth();
  const notes: string[] = [];
  printAnnotations(app, (line) => notes.push(line));
  return { settings, notes };
}

interface StateInfo {
  /** One sentence for plan.md. */
  readonly description: string;
  /** The state file an offline plan reads (absolute); undefined: an empty state. */
  readonly offlinePath?: string;
}

function stateOf(settings: LabSettings, stackDir: string, offline: boolean): StateInfo {
  if (settings.stateBucket !== undefined) {
    const where = `S3 \`s3://${settings.stateBucket}/${settings.stateKey}\` (${settings.stateRegion}, encrypted, S3-native locking)`;
    return {
      description: offline ? `${where}, **not read offline**: planned against an empty state, so every resource shows as new.` : `${where}.`,
    };
  }
  const backend = (JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")) as { terraform: { backend: { local: { path: string } } } }).terraform.backend
    .local;
  const file = resolve(stackDir, backend.path);
  const shown = relative(PROJECT_DIR, file).startsWith("..") ? file : relative(PROJECT_DIR, file);
  const exists = existsSync(file);
  return {
    description: `local file \`${shown}\`${exists ? "" : " (none yet: nothing has been deployed from this folder, so every resource is new)"}.`,
    offlinePath: file,
  };
}

function writeFailure(stackDir: string, error: StepFailed): void {
  mkdirSync(stackDir, { recursive: true });
  const details = error.details.length > 20_000 ? `${error.details.slice(0, 20_000)}\n…(cut)` : error.details;
  writeFileSync(join(stackDir, "plan.md"), `## Terraform plan failed at step: ${error.step}\n\n\`\`\`text\n${details.replace(/```/g, "'''")}\n\`\`\`\n`);
}
