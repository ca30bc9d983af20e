/**
 * `npm run deploy` / `npm run destroy`: the same synth, settings and plan as `npm run plan`, then
 * `terraform apply` of exactly that saved plan once confirmed (or with --auto-approve).
 *
 * Refuses before doing anything when there are no AWS credentials, and in CI when the state is a
 * local file (it would vanish with the runner, and with it the record of what was created).
 *
 * A destroy first looks into the lab bucket: while it holds object versions or delete markers, the
 * destroy is refused before anything is destroyed (S3 would stop it half-way with BucketNotEmpty),
 * unless --empty-bucket, which deletes them all after the same confirmation.
 *
 * Usage: npm run deploy [-- --auto-approve]
 *        npm run destroy [-- --auto-approve] [--empty-bucket]
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import { S3Client } from "@aws-sdk/client-s3";
import { settingsFromProject } from "../config/settings";
import { exitCodeOf } from "../input/unusable-input";
import { awsAccess, PLAN_OFFLINE_ENV } from "../terraform/aws-credentials";
import { BucketNotEmpty, bucketContents, describeContents, isEmpty, prepareBucketForDestroy } from "../terraform/bucket-contents";
import { PLAN_FILE, runPlan } from "../terraform/lab-plan";
import { countPlan, TerraformPlanJson } from "../terraform/plan-summary";
import { StepFailed } from "../text/progress";
import { terraformEnv, terraformStreaming } from "../terraform/terraform";

export interface DeployArgs {
  readonly destroy: boolean;
  readonly autoApprove: boolean;
  /** Destroy only: delete every object version and delete marker of the lab bucket first. */
  readonly emptyBucket: boolean;
}

export const USAGE = "usage: npm run deploy [-- --auto-approve]\n       npm run destroy [-- --auto-approve] [--empty-bucket]";

/** Parses the command line; throws with the usage on anything unknown. */
export function parseDeployArgs(argv: readonly string[]): DeployArgs {
  const known = new Set(["--destroy", "--auto-approve", "--empty-bucket"]);
  const unknown = argv.filter((a) => !known.has(a));
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown.join(" ")}\n${USAGE}`);
  const destroy = argv.includes("--destroy");
  if (argv.includes("--empty-bucket") && !destroy)
    throw new Error(`unknown argument --empty-bucket: it empties the bucket before a destroy (npm run destroy)\n${USAGE}`);
  return { destroy, autoApprove: argv.includes("--auto-approve"), emptyBucket: argv.includes("--empty-bucket") };
}

/** The S3 buckets a plan deletes (by their name in the prior state). */
export function bucketsDeletedBy(plan: TerraformPlanJson): string[] {
  return (plan.resource_changes ?? [])
    .filter((c) => c.type === "aws_s3_bucket" && c.change.actions.includes("delete"))
    .map((c) => (c.change.before as { bucket?: string } | undefined)?.bucket)
    .filter((name): name is string => typeof name === "string" && name !== "");
}

/** Why this run must not start, or undefined. Checked before synth, plan or any AWS call. */
export function refusalReason(env: NodeJS.ProcessEnv, home?: string): string | undefined {
  const access = awsAccess(env, home);
  if (access.offline) {
    return (
      `needs AWS credentials, and ${access.reason}` +
      `${access.checked ? ` (${access.checked})` : ""}. Configure credentials the way the AWS CLI accepts them` +
      `${env[PLAN_OFFLINE_ENV] ? `, and unset ${PLAN_OFFLINE_ENV}` : ""}; \`npm run plan\` works without them.`
    );
  }
  const settings = settingsFromProject(env);
  if (env.CI === "true" && settings.stateBucket === undefined) {
    return (
      "refuses to apply in CI with a local state file: it would be lost with the runner, and with it the record of what was created. " +
      "Set LAB_STATE_BUCKET (see the README's section on Terraform state)."
    );
  }
  return undefined;
}

async function confirmed(what: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new Error(`no terminal to confirm on: review the plan above, then run again with --auto-approve to ${what}`);
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await prompt.question(`\nDo you want to ${what}? Only 'yes' is accepted: `);
  prompt.close();
  return answer.trim() === "yes";
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseDeployArgs(argv);
  const command = args.destroy ? "destroy" : "deploy";
  const refusal = refusalReason(process.env);
  if (refusal !== undefined) throw new Error(refusal);

  const result = runPlan({ destroy: args.destroy, keepPlanFile: true });
  process.stdout.write(`\n${result.summary}`);
  const planFile = join(result.stackDir, PLAN_FILE);
  try {
    const counts = countPlan(result.plan);
    if (counts.add + counts.change + counts.destroy + counts.import + counts.forget === 0) {
      console.error(`\n${command}: no changes; nothing to apply.`);
      return 0;
    }
    // A bucket that still holds data would stop the destroy half-way: look before anything is destroyed.
    const s3 = new S3Client({ region: settingsFromProject(process.env).region, followRegionRedirects: true });
    const buckets = bucketsDeletedBy(result.plan);
    const holding: string[] = [];
    for (const bucket of buckets) {
      const contents = await bucketContents(s3, bucket);
      if (isEmpty(contents)) continue;
      if (!args.emptyBucket) throw new BucketNotEmpty(bucket, contents);
      holding.push(`${describeContents(contents)} from ${bucket}`);
    }
    const what = args.destroy ? `destroy these resources${holding.length > 0 ? `, after deleting ${holding.join(" and ")}` : ""}` : "apply this plan";
    if (!args.autoApprove && !(await confirmed(what))) {
      console.error(`\n${command}: cancelled; nothing was changed.`);
      return 1;
    }
    const say = (line: string) => console.error(line);
    for (const bucket of args.emptyBucket ? buckets : []) await prepareBucketForDestroy(s3, bucket, args, say, say);
    console.error(`\n${command}: terraform apply ${PLAN_FILE}`);
    const status = terraformStreaming(result.stackDir, ["apply", "-input=false", PLAN_FILE], terraformEnv(process.env));
    if (status !== 0) {
      console.error(`\n${command} failed at step "terraform apply" (exit ${status}); Terraform's diagnostics are above.`);
      for (const bucket of args.destroy ? buckets : []) {
        const left = await bucketContents(s3, bucket).catch(() => undefined);
        if (left !== undefined && !isEmpty(left)) {
          console.error(
            `${command}: ${bucket} holds ${describeContents(left)} again (a delivery stream flushes what it buffered while it is deleted); ` +
              "run `npm run destroy -- --empty-bucket` once more to empty it and destroy what is left.",
          );
        }
      }
    }
    return status;
  } finally {
    rmSync(planFile, { force: true }); // applied or not, a saved plan is stale once state may have moved
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const command = argv.includes("--destroy") ? "destroy" : "deploy";
  main(argv).then(
    (status) => process.exit(status),
    (error: unknown) => {
      const text = error instanceof Error ? error.message : String(error);
      const message = error instanceof StepFailed ? `failed at step "${error.step}":\n${error.details}` : text;
      console.error(`\n${command}: ${message}`);
      process.exit(text.startsWith("unknown argument") ? 2 : exitCodeOf(error));
    },
  );
}
