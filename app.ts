/**
 * The app of `npm run synth` and `cdktf synth`: the settings, the lab stack (main.ts), synth, and
 * what synth leaves for Terraform besides the stack.
 */
import { join } from "node:path";
import { App } from "cdktf";
import { settingsFromProject } from "./config/settings";
import { exitCodeOf } from "./input/unusable-input";
import { LabStack } from "./main";
import { linkMirrorInto } from "./terraform/provider-mirror";
import { printAnnotations } from "./terraform/synth-annotations";
import { providerSource } from "./terraform/terraform";

/** Synthesizes the lab as the settings say: the app of `npm run synth` and `cdktf synth`. */
export function runApp(): void {
  try {
    const app = new App();
    const settings = settingsFromProject();
    new LabStack(app, settings);
    app.synth();
    printAnnotations(app);
    // `npx cdktf deploy` runs Terraform in the stack folder: there, terraform.d/plugins is an implied mirror.
    linkMirrorInto(join(app.outdir, "stacks", settings.stackName), providerSource());
  } catch (error) {
    // One clear message, no stack trace, nothing written for Terraform; 2 when the settings are unusable.
    console.error(`synth failed: ${(error as Error).message}`);
    process.exit(exitCodeOf(error));
  }
}

if (require.main === module) runApp();
