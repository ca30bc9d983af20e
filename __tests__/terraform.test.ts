/**
 * The synthesized lab stack through real Terraform and the real AWS provider (5.100.0): init,
 * validate and an offline plan (dummy credentials, the provider's skip settings; see
 * scripts/terraform.ts). Set LAB_TF_PROVIDER_MIRROR to a local provider mirror on machines
 * without registry access.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktf";
import { resolveSettings } from "../config/settings";
import { LabStack } from "../main";
import { checkTerraformJson } from "../policies";
import { terraformOrThrow, writeOfflineOverride } from "../scripts/terraform";

interface PlannedChange {
  address: string;
  type: string;
  change: { actions: string[]; after: Record<string, any> };
}

describe("the synthesized lab stack with real Terraform", () => {
  const outdir = mkdtempSync(join(tmpdir(), "lab-terraform-"));
  const app = new App({ outdir });
  new LabStack(app, resolveSettings());
  app.synth();
  const dir = join(outdir, "stacks", "streaming-lab");
  writeOfflineOverride(dir);
  // Keep this test's (empty) state inside its own folder.
  writeFileSync(join(dir, "state_override.tf.json"), JSON.stringify({ terraform: { backend: { local: { path: "terraform.tfstate" } } } }));

  let changes: PlannedChange[] = [];
  let plan: unknown;
  beforeAll(() => {
    terraformOrThrow(dir, ["init", "-input=false"]);
  });

  it("passes terraform validate", () => {
    expect(terraformOrThrow(dir, ["validate"]).stdout).toContain("Success! The configuration is valid.");
  });

  it("plans offline, creating every resource and changing nothing else", () => {
    terraformOrThrow(dir, ["plan", "-input=false", "-out=lab.tfplan"]);
    plan = JSON.parse(terraformOrThrow(dir, ["show", "-json", "lab.tfplan"]).stdout);
    changes = (plan as { resource_changes: PlannedChange[] }).resource_changes;
    expect(changes.every((c) => c.change.actions.join() === "create")).toBe(true);
    expect(changes).toHaveLength(39);
  });

  it("plans the lab's streams, application and generator with their values", () => {
    const after = (type: string) => changes.filter((c) => c.type === type).map((c) => c.change.after);
    expect(after("aws_kinesis_firehose_delivery_stream").map((s) => [s.name, s.extended_s3_configuration[0].prefix]).sort()).toEqual([
      ["Destination", "destination/"],
      ["Source", "source/"],
    ]);
    const [application] = after("aws_kinesis_analytics_application");
    expect(application.name).toBe("StreamApplication");
    expect(application.inputs[0].schema[0].record_columns).toHaveLength(11);
    const [template] = after("aws_launch_template");
    expect(template.metadata_options[0]).toEqual(expect.objectContaining({ http_tokens: "required" }));
    expect(after("aws_instance")).toHaveLength(1);
  });

  it("plans a stack that passes the policy pack, with the one suppression it carries", () => {
    const result = checkTerraformJson(plan, { source: "lab plan" });
    expect(result.kind).toBe("plan");
    expect(result.findings).toEqual([]);
    expect(result.suppressed.map((s) => [s.rule, s.address.split(".")[0]])).toEqual([["LAB-EC2-5", "aws_launch_template"]]);
  });
});
