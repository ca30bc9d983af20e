/**
 * A mocked apply: `terraform test` runs the suites in tftest/ against the synthesized lab stack
 * with `mock_provider "aws"` (no account, no network), applies every resource and asserts the
 * wiring on the applied values. A copy of the stack whose function sends to the wrong stream must
 * fail the same suite, which shows the assertions can fail. (The legacy engine's wiring is
 * asserted on its synthesized JSON and its offline plan: see lab-stack and terraform tests.)
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktf";
import { resolveSettings } from "../config/settings";
import { LabStack } from "../main";
import { TerraformResult, terraformAsync, terraformOrThrow } from "../scripts/terraform";

const SUITE = join(__dirname, "..", "tftest", "lab.tftest.hcl");

/** A stack folder with the suite in tests/, initialized (terraform test keeps state in memory). */
function prepare(dir: string, json: unknown): string {
  mkdirSync(join(dir, "tests"), { recursive: true });
  writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(json, null, 2));
  copyFileSync(SUITE, join(dir, "tests", "lab.tftest.hcl"));
  terraformOrThrow(dir, ["init", "-input=false", "-backend=false"]);
  return dir;
}

function synthesized(outdir: string): any {
  const app = new App({ outdir });
  new LabStack(app, resolveSettings());
  app.synth();
  return JSON.parse(readFileSync(join(outdir, "stacks", "streaming-lab", "cdk.tf.json"), "utf8"));
}

describe("a mocked apply of the synthesized lab stack (terraform test, mock_provider aws)", () => {
  const outdir = mkdtempSync(join(tmpdir(), "lab-mock-apply-"));
  let lab: TerraformResult;
  let miswired: TerraformResult;

  beforeAll(async () => {
    const json = synthesized(join(outdir, "default"));
    const wrong = structuredClone(json);
    const [fn] = Object.values(wrong.resource.aws_lambda_function) as any[];
    fn.environment.variables.DESTINATION_STREAM_NAME = "Source";

    const dirs = [
      prepare(join(outdir, "lab"), json),
      prepare(join(outdir, "miswired"), wrong),
    ];
    [lab, miswired] = await Promise.all(dirs.map((dir) => terraformAsync(dir, ["test"])));
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it("applies every resource of the default stack and passes every wiring assertion", () => {
    expect({ status: lab.status, output: lab.stdout + lab.stderr }).toEqual({ status: 0, output: expect.stringContaining("Success! 1 passed, 0 failed.") });
    expect(lab.stdout).toContain('run "applied_lab_is_wired_as_the_diagram"... pass');
  });

  it("fails when the function sends its rows to the source stream instead of the destination", () => {
    expect(miswired.status).toBe(1);
    expect(miswired.stderr).toContain("The function must send its rows to the destination stream, not Source.");
  });
});
