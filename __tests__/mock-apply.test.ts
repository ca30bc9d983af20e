/**
 * A mocked apply: `terraform test` runs the suite in tftest/ against the synthesized lab stack
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
import { withProviderProcess } from "../terraform/provider-process";
import { TerraformResult, terraformAsync, terraformEnv, terraformOrThrow } from "../terraform/terraform";

const SUITE = join(__dirname, "..", "tftest", "lab.tftest.hcl");

/**
 * One `terraform test` for both stacks (one init, one process): the lab stack is the root, with
 * the suite in tests/lab.tftest.hcl; the miswired copy sits in miswired/ and tests/miswired.tftest.hcl
 * is the same suite with each run block pointed at it.
 */
function prepare(dir: string, json: unknown, wrong: any): void {
  mkdirSync(join(dir, "tests"), { recursive: true });
  mkdirSync(join(dir, "miswired"), { recursive: true });
  writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(json, null, 2));
  delete wrong.terraform.backend; // called as a module here: a backend would only draw a warning
  writeFileSync(join(dir, "miswired", "cdk.tf.json"), JSON.stringify(wrong, null, 2));
  const suite = readFileSync(SUITE, "utf8");
  const runBlock = /^run "[^"]+" \{$/gm;
  if ((suite.match(runBlock) ?? []).length === 0) throw new Error(`${SUITE} has no run block to point at the miswired stack`);
  copyFileSync(SUITE, join(dir, "tests", "lab.tftest.hcl"));
  writeFileSync(
    join(dir, "tests", "miswired.tftest.hcl"),
    suite.replace(runBlock, (line) => `${line}\n  module {\n    source = "./miswired"\n  }\n`),
  );
  terraformOrThrow(dir, ["init", "-input=false", "-backend=false"]);
}

function synthesized(outdir: string): any {
  const app = new App({ outdir });
  new LabStack(app, resolveSettings());
  app.synth();
  return JSON.parse(readFileSync(join(outdir, "stacks", "streaming-lab", "cdk.tf.json"), "utf8"));
}

/** The lines terraform test printed for one test file, from "in progress" to its verdict. */
function fileReport(stdout: string, file: string): string[] {
  const lines = stdout.split("\n");
  const first = lines.indexOf(`tests/${file}... in progress`);
  const last = lines.findIndex((line, i) => i > first && (line === `tests/${file}... pass` || line === `tests/${file}... fail`));
  return first < 0 || last < 0 ? [] : lines.slice(first, last + 1);
}

describe("a mocked apply of the synthesized lab stack (terraform test, mock_provider aws)", () => {
  const outdir = mkdtempSync(join(tmpdir(), "lab-mock-apply-"));
  let run: TerraformResult;

  beforeAll(async () => {
    const json = synthesized(join(outdir, "default"));
    const wrong = structuredClone(json);
    const [fn] = Object.values<any>(wrong.resource.aws_lambda_function);
    fn.environment.variables.DESTINATION_STREAM_NAME = "Source";
    prepare(join(outdir, "lab"), json, wrong);
    const lab = join(outdir, "lab");
    run = await withProviderProcess(lab, terraformEnv(), (env) => terraformAsync(lab, ["test"], env));
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it("applies every resource of the default stack and passes every wiring assertion", () => {
    expect(fileReport(run.stdout, "lab.tftest.hcl")).toEqual([
      "tests/lab.tftest.hcl... in progress",
      '  run "applied_lab_is_wired_as_the_diagram"... pass',
      "tests/lab.tftest.hcl... tearing down",
      "tests/lab.tftest.hcl... pass",
    ]);
    expect(run.stdout).toContain("Failure! 1 passed, 1 failed."); // the one failure: the miswired copy, below
  });

  it("fails when the function sends its rows to the source stream instead of the destination", () => {
    expect(run.status).toBe(1);
    expect(fileReport(run.stdout, "miswired.tftest.hcl")).toEqual([
      "tests/miswired.tftest.hcl... in progress",
      '  run "applied_lab_is_wired_as_the_diagram"... fail',
      "tests/miswired.tftest.hcl... tearing down",
      "tests/miswired.tftest.hcl... fail",
    ]);
    expect(run.stderr).toContain("on tests/miswired.tftest.hcl line");
    expect(run.stderr).toContain("The function must send its rows to the destination stream, not Source.");
    expect(run.stderr.match(/Error: Test assertion failed/g)).toHaveLength(1);
  });
});
