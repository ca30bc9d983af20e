/**
 * One AWS provider process for a sequence of Terraform commands (terraform/provider-process.ts):
 * Terraform attaches to it, and it never outlives what started it.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installedAwsProvider, ProviderProcess, providerLogging } from "../terraform/provider-process";
import { terraformEnv, terraformOrThrow } from "../terraform/terraform";
import { isRunning as alive } from "../local/run-record";

const dir = mkdtempSync(join(tmpdir(), "lab-provider-process-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function gone(pid: number, withinMs: number): Promise<boolean> {
  for (const started = Date.now(); Date.now() - started < withinMs; await new Promise((r) => setTimeout(r, 50))) {
    if (!alive(pid)) return true;
  }
  return !alive(pid);
}

beforeAll(() => {
  const config = { terraform: { required_providers: { aws: { source: "hashicorp/aws", version: "5.100.0" } } }, provider: { aws: { region: "us-east-1" } } };
  writeFileSync(join(dir, "main.tf.json"), JSON.stringify(config));
  terraformOrThrow(dir, ["init", "-input=false", "-backend=false"]);
}, 120_000);

describe("the shared AWS provider process", () => {
  it("is refused before terraform init, naming the folder", () => {
    const empty = mkdtempSync(join(tmpdir(), "lab-provider-empty-"));
    expect(installedAwsProvider(empty)).toBeUndefined();
    expect(() => ProviderProcess.start(empty, terraformEnv())).toThrow(`no AWS provider installed in ${empty}: run terraform init there first`);
    rmSync(empty, { recursive: true, force: true });
  });

  it("serves the commands given its TF_REATTACH_PROVIDERS, and is gone after stop()", async () => {
    const provider = ProviderProcess.start(dir, terraformEnv());
    expect(JSON.parse(provider.reattach)["registry.terraform.io/hashicorp/aws"]).toEqual(expect.objectContaining({ Pid: provider.pid, Protocol: "grpc" }));
    const env = provider.env(terraformEnv());
    expect(terraformOrThrow(dir, ["validate"], env).stdout).toContain("Success!");
    expect(terraformOrThrow(dir, ["providers", "schema", "-json"], env).stdout).toContain('"aws_s3_bucket"');
    expect(alive(provider.pid)).toBe(true); // Terraform leaves an attached provider running
    provider.stop();
    expect(await gone(provider.pid, 5000)).toBe(true);
  }, 60_000);

  it("ends with the process that started it, even when that one is killed outright (SIGKILL)", async () => {
    const code = `require(${JSON.stringify(join(__dirname, "..", "loader", "register-ts.js"))});
      const { ProviderProcess } = require(${JSON.stringify(join(__dirname, "..", "terraform", "provider-process.ts"))});
      console.log(ProviderProcess.start(${JSON.stringify(dir)}, process.env).pid);
      setInterval(() => undefined, 1000);`;
    const parent = spawn(process.execPath, ["-e", code], { env: terraformEnv(), stdio: ["ignore", "pipe", "inherit"] });
    const pid = await new Promise<number>((resolve) => parent.stdout.once("data", (d: Buffer) => resolve(Number(String(d).trim()))));
    expect(alive(pid)).toBe(true);
    parent.kill("SIGKILL");
    expect(await gone(pid, 10_000)).toBe(true);
  }, 60_000);
});

describe("the provider process's logging", () => {
  it("is Terraform's default, none, when the environment chooses no level (-debug alone would log every call at TRACE)", () => {
    expect(providerLogging({ PATH: "/bin" })).toEqual({ PATH: "/bin", TF_LOG_PROVIDER: "off", TF_LOG_PROVIDER_AWS: "off", TF_LOG_SDK: "off" });
  });

  it("is what the environment says when it names a level", () => {
    for (const chosen of [{ TF_LOG: "debug" }, { TF_LOG_PROVIDER: "trace" }, { TF_LOG_PROVIDER_AWS: "info" }, { TF_LOG_SDK_PROTO: "trace" }]) {
      expect(providerLogging({ PATH: "/bin", ...chosen })).toEqual({ PATH: "/bin", ...chosen });
    }
  });
});
