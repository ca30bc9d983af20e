/**
 * A mocked apply: `terraform test` runs tftest/lab.tftest.hcl against the synthesized lab stack
 * with `mock_provider "aws"` (no account, no network), applies every resource and asserts the
 * wiring on the applied values. A copy of the stack with the analytics input wired to the wrong
 * stream must fail the same suite, which shows the assertions can fail.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktf";
import { resolveSettings } from "../config/settings";
import { LabStack } from "../main";
import { TerraformResult, terraformAsync, terraformOrThrow } from "../scripts/terraform";

const SUITE = join(__dirname, "..", "tftest", "lab.tftest.hcl");

/** A stack folder with the suite in tests/, initialized (providers only: terraform test keeps state in memory). */
function prepare(dir: string, json: unknown): string {
  mkdirSync(join(dir, "tests"), { recursive: true });
  writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(json, null, 2));
  copyFileSync(SUITE, join(dir, "tests", "lab.tftest.hcl"));
  terraformOrThrow(dir, ["init", "-input=false", "-backend=false"]);
  return dir;
}

describe("a mocked apply of the synthesized lab stack (terraform test, mock_provider aws)", () => {
  const outdir = mkdtempSync(join(tmpdir(), "lab-mock-apply-"));
  let lab: TerraformResult;
  let miswired: TerraformResult;

  beforeAll(async () => {
    const app = new App({ outdir });
    new LabStack(app, resolveSettings());
    app.synth();
    const json = JSON.parse(readFileSync(join(outdir, "stacks", "streaming-lab", "cdk.tf.json"), "utf8"));

    const wrong = structuredClone(json);
    const [application] = Object.values(wrong.resource.aws_kinesis_analytics_application) as any[];
    const destination = Object.keys(wrong.resource.aws_kinesis_firehose_delivery_stream).find((k) => k.startsWith("destination_"));
    application.inputs.kinesis_firehose.resource_arn = `\${aws_kinesis_firehose_delivery_stream.${destination}.arn}`;

    const labDir = prepare(join(outdir, "lab"), json);
    const miswiredDir = prepare(join(outdir, "miswired"), wrong);
    [lab, miswired] = await Promise.all([terraformAsync(labDir, ["test"]), terraformAsync(miswiredDir, ["test"])]);
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it("applies every resource and passes every wiring assertion", () => {
    expect({ status: lab.status, output: lab.stdout + lab.stderr }).toEqual({ status: 0, output: expect.stringContaining("Success! 1 passed, 0 failed.") });
    expect(lab.stdout).toContain('run "applied_lab_is_wired_as_the_diagram"... pass');
  });

  it("fails when the analytics application reads the destination stream instead of the source", () => {
    expect(miswired.status).toBe(1);
    expect(miswired.stderr).toContain("The analytics application must read the source stream, not");
    expect(miswired.stderr).toContain("arn:aws:firehose:us-east-1:123456789012:deliverystream/Destination");
  });
});
