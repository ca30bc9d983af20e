/**
 * `npm run plan`: synth, terraform init / plan / show -json, then the review summary
 * (terraform/lab-plan.ts). Writes plan.json and plan.md into cdktf.out/stacks/<stack>/ and prints
 * the summary.
 *
 * Usage: npm run plan [-- --destroy]
 */
import { join, relative } from "node:path";
import { exitCodeOf } from "../input/unusable-input";
import { runPlan } from "../terraform/lab-plan";
import { StepFailed } from "../text/progress";

const USAGE = "usage: npm run plan [-- --destroy]";

function main(args: string[]): void {
  const unknown = args.filter((a) => a !== "--destroy");
  if (unknown.length > 0) {
    console.error(`plan: unknown argument ${unknown.join(" ")}\n${USAGE}`);
    process.exit(2);
  }
  try {
    const result = runPlan({ destroy: args.includes("--destroy") });
    process.stdout.write(`\n${result.summary}`);
    console.error(`\nWrote ${relative(process.cwd(), join(result.stackDir, "plan.json"))} and plan.md next to it.`);
  } catch (error) {
    if (error instanceof StepFailed) {
      console.error(`\nplan failed at step "${error.step}":\n${error.details}`);
    } else {
      console.error(`\nplan failed: ${(error as Error).message}`);
    }
    process.exit(exitCodeOf(error));
  }
}

main(process.argv.slice(2));
