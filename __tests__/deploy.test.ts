/**
 * `npm run deploy` / `npm run destroy` cannot reach AWS here: these tests prove their argument
 * handling and that they refuse, clearly and before any synth or Terraform, when they must.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bucketsDeletedBy, parseDeployArgs, refusalReason } from "../scripts/deploy";

const ROOT = join(__dirname, "..");
const scratch = mkdtempSync(join(tmpdir(), "lab-deploy-"));
const emptyHome = join(scratch, "home");
mkdirSync(emptyHome);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the deploy script as `npm run deploy` / `npm run destroy` do, with only the given AWS and LAB_* variables. */
function deploy(args: string[], env: Record<string, string> = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AWS_|LAB_(?!TF_PROVIDER_MIRROR)|CI$)/.test(k)));
  const outdir = join(scratch, "cdktf.out");
  const result = spawnSync("node", ["-r", "./loader/register-ts.js", "scripts/deploy.ts", ...args], {
    cwd: ROOT,
    env: { ...base, HOME: emptyHome, CDKTF_OUTDIR: outdir, ...env },
    encoding: "utf8",
  });
  return { ...result, synthesized: existsSync(outdir) };
}

const FAKE_KEYS = { AWS_ACCESS_KEY_ID: "AKIAFAKEFORTESTS", AWS_SECRET_ACCESS_KEY: "not-a-real-secret" };

describe("npm run deploy / destroy", () => {
  it("parse --auto-approve, --destroy and --empty-bucket (with --destroy only), and nothing else", () => {
    expect(parseDeployArgs([])).toEqual({ destroy: false, autoApprove: false, emptyBucket: false });
    expect(parseDeployArgs(["--destroy", "--auto-approve"])).toEqual({ destroy: true, autoApprove: true, emptyBucket: false });
    expect(parseDeployArgs(["--destroy", "--empty-bucket"])).toEqual({ destroy: true, autoApprove: false, emptyBucket: true });
    expect(() => parseDeployArgs(["--yes"])).toThrow("unknown argument --yes\nusage: npm run deploy [-- --auto-approve]");
    expect(() => parseDeployArgs(["--empty-bucket"])).toThrow("unknown argument --empty-bucket: it empties the bucket before a destroy (npm run destroy)");
  });

  it("find the buckets a destroy plan deletes, by their name before the change", () => {
    const change = (type: string, actions: string[], before: unknown) => ({ address: `${type}.x`, type, change: { actions, before } });
    expect(
      bucketsDeletedBy({
        resource_changes: [
          change("aws_s3_bucket", ["delete"], { bucket: "lab-data-1" }),
          change("aws_s3_bucket", ["update"], { bucket: "kept" }),
          change("aws_s3_bucket", ["delete", "create"], { bucket: "replaced" }),
          change("aws_sqs_queue", ["delete"], { name: "q" }),
        ],
      }),
    ).toEqual(["lab-data-1", "replaced"]);
  });

  it("exit 2 with the usage on an unknown argument", () => {
    const run = deploy(["--force"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      "deploy: unknown argument --force\nusage: npm run deploy [-- --auto-approve]\n       npm run destroy [-- --auto-approve] [--empty-bucket]",
    );
  });

  it("refuse without AWS credentials, before synth or Terraform, saying what was checked", () => {
    const run = deploy(["--auto-approve"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("deploy: needs AWS credentials, and no AWS credentials found (checked AWS_ACCESS_KEY_ID");
    expect(run.stderr).toContain("`npm run plan` works without them.");
    expect(run.synthesized).toBe(false);
  });

  it("refuse when LAB_PLAN_OFFLINE=1 forces offline, even with credentials", () => {
    const reason = refusalReason({ ...FAKE_KEYS, LAB_PLAN_OFFLINE: "1" }, emptyHome);
    expect(reason).toContain("needs AWS credentials, and LAB_PLAN_OFFLINE=1 forces an offline plan");
    expect(reason).toContain("and unset LAB_PLAN_OFFLINE");
  });

  it("refuse in CI with a local state file, which would vanish with the runner", () => {
    expect(refusalReason({ ...FAKE_KEYS, CI: "true" }, emptyHome)).toContain("refuses to apply in CI with a local state file");
    expect(refusalReason({ ...FAKE_KEYS, CI: "true", LAB_STATE_BUCKET: "team-tf-state" }, emptyHome)).toBeUndefined();
    expect(refusalReason({ ...FAKE_KEYS }, emptyHome)).toBeUndefined();
    const run = deploy(["--destroy", "--auto-approve"], { ...FAKE_KEYS, CI: "true" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("destroy: refuses to apply in CI with a local state file");
    expect(run.stderr).toContain("Set LAB_STATE_BUCKET");
    expect(run.synthesized).toBe(false);
  });

  it("refuse bad settings with the settings' own message, exit status 2 (unusable input)", () => {
    expect(() => refusalReason({ ...FAKE_KEYS, LAB_REGION: "mars-1" }, emptyHome)).toThrow('LAB_REGION = "mars-1" is not allowed');
    const run = deploy(["--auto-approve"], { ...FAKE_KEYS, LAB_REGION: "mars-1" });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('LAB_REGION = "mars-1" is not allowed');
    expect(run.synthesized).toBe(false);
  });
});
