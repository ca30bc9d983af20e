/**
 * `npm run cost`: the lab's estimated monthly cost at its settings (cdktf.json, LAB_*), as the plan
 * review shows it; `--json` writes the estimate itself, which a later run reads as its baseline
 * (LAB_COST_BASELINE=<file>): CI writes one at the pull request's base. Offline, no synth.
 *
 * Usage: npm run cost [-- --json]
 */
import { settingsFromProject } from "../config/settings";
import { exitCodeOf } from "../input/unusable-input";
import { estimateCost } from "../costs/estimate";
import { costReview } from "../costs/review";

const USAGE = "usage: npm run cost [-- --json]";

if (require.main === module) {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== "--json");
  if (unknown.length > 0) {
    console.error(`cost: unknown argument ${unknown.join(" ")}\n${USAGE}`);
    process.exit(2);
  }
  try {
    const settings = settingsFromProject();
    process.stdout.write(
      args.includes("--json") ? `${JSON.stringify(estimateCost(settings), null, 2)}\n` : `${costReview(settings, process.env).lines.join("\n")}\n`,
    );
  } catch (error) {
    console.error(`cost failed: ${(error as Error).message}`);
    process.exit(exitCodeOf(error));
  }
}
