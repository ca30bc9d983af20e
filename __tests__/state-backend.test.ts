/**
 * Where the Terraform state lives: S3 (encrypted, S3-native locking) with LAB_STATE_BUCKET, and
 * real Terraform 1.11 accepts that backend block. The local default is in lab-stack.test.ts.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Testing, TerraformStack } from "cdktf";
import { stateBackend } from "../constructs/state-backend";
import { offlineCopy, terraform, terraformOrThrow } from "../terraform/terraform";
import { synthLab } from "./helpers/synth";

const S3_STATE = { LAB_STATE_BUCKET: "team-tf-state", LAB_STATE_KEY: "labs/streaming.tfstate", LAB_STATE_REGION: "eu-west-1" };

describe("the lab's state backend", () => {
  it("is S3 with encryption and S3-native locking once LAB_STATE_BUCKET is set", () => {
    expect(synthLab(S3_STATE).json.terraform!.backend).toEqual({
      s3: { bucket: "team-tf-state", key: "labs/streaming.tfstate", region: "eu-west-1", encrypt: true, use_lockfile: true },
    });
  });

  it("keys the state by stack name in the lab's region by default", () => {
    const backend = synthLab({ LAB_STATE_BUCKET: "team-tf-state", LAB_STACK_NAME: "lab-two", LAB_REGION: "us-west-2" }).json.terraform!.backend as any;
    expect([backend.s3.key, backend.s3.region]).toEqual(["lab-two/terraform.tfstate", "us-west-2"]);
  });

  it.each([
    [{ localPath: "/home/me/lab.tfstate" }, 'localPath = "/home/me/lab.tfstate" is not allowed: it must be a path relative'],
    [{ bucket: "Team_State", region: "us-east-1" }, 'bucket = "Team_State" is not allowed: it must be an S3 bucket name'],
    [{ bucket: "team-state", key: "/lab.tfstate", region: "us-east-1" }, 'key = "/lab.tfstate" is not allowed: it must be an S3 object key'],
    [{ bucket: "team-state" }, "region = undefined is not allowed: it must be the bucket's AWS region"],
  ])("refuses %j, naming the prop, the value and what is allowed", (props, message) => {
    const stack = new TerraformStack(Testing.app(), "test");
    expect(() => stateBackend(stack, props)).toThrow(`stateBackend: ${message}`);
  });
});

describe("real Terraform with the synthesized S3 backend", () => {
  // No bucket can be reached here: point the backend at a closed local port. Terraform checks the
  // backend block before it connects, so reaching the connection proves the block is accepted.
  const unreachable = {
    access_key: "offline-test",
    secret_key: "offline-test",
    skip_credentials_validation: true,
    skip_requesting_account_id: true,
    skip_metadata_api_check: true,
    max_retries: 1,
    endpoints: { s3: "http://127.0.0.1:9" },
    use_path_style: true,
  };
  const s3 = (synthLab(S3_STATE).json.terraform!.backend as { s3: Record<string, unknown> }).s3;
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  function initWith(backend: Record<string, unknown>) {
    const dir = mkdtempSync(join(tmpdir(), "lab-s3-backend-"));
    dirs.push(dir);
    writeFileSync(join(dir, "main.tf.json"), JSON.stringify({ terraform: { backend: { s3: { ...backend, ...unreachable } } } }));
    const result = terraform(dir, ["init", "-input=false"]);
    return `${result.stderr}${result.stdout}`;
  }

  it("accepts encrypt and use_lockfile, then goes to S3 for the state", () => {
    const output = initWith(s3);
    expect(output).toContain('Unable to list objects in S3 bucket "team-tf-state"');
    expect(output).toContain("connection refused");
  });

  it("refuses a backend argument it does not know (the check above can fail)", () => {
    const { use_lockfile, ...rest } = s3;
    expect(initWith({ ...rest, use_lock_file: use_lockfile })).toContain('No argument or block type is named "use_lock_file"');
  });
});

describe("an offline copy of an S3-backed stack (what npm run plan does without credentials)", () => {
  it("initializes a local backend in a scratch copy without reaching S3, and leaves the stack folder as it was", () => {
    const stackDir = mkdtempSync(join(tmpdir(), "lab-s3-stack-"));
    const stack = {
      terraform: { backend: { s3: { bucket: "team-tf-state", key: "lab/terraform.tfstate", region: "us-east-1", encrypt: true, use_lockfile: true } } },
      resource: { terraform_data: { marker: { input: "x" } } },
    };
    writeFileSync(join(stackDir, "cdk.tf.json"), JSON.stringify(stack));
    const copy = offlineCopy(stackDir);
    try {
      expect(terraformOrThrow(copy, ["init", "-input=false"]).stdout).toContain('Successfully configured the backend "local"!');
      const backend = JSON.parse(readFileSync(join(copy, ".terraform", "terraform.tfstate"), "utf8")).backend;
      expect([backend.type, backend.config.path]).toEqual(["local", "terraform.tfstate"]);
      expect(readdirSync(stackDir)).toEqual(["cdk.tf.json"]);
      expect(readdirSync(copy).sort()).toEqual([".terraform", ".terraform.lock.hcl", "backend_override.tf.json", "cdk.tf.json", "offline_override.tf.json"]);
    } finally {
      rmSync(copy, { recursive: true, force: true });
      rmSync(stackDir, { recursive: true, force: true });
    }
  });
});
