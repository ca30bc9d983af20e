/**
 * Where Terraform gets the AWS provider: LAB_TF_PROVIDER_MIRROR first, then Terraform's implied
 * mirror directories, then the registry when it answers, then a mirror found under the install
 * roots, and otherwise a hint saying what to set. Mirrors here are folders laid out as Terraform
 * lays them out; the last case runs real Terraform in a synthesized folder with no setting at all.
 */
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  discoverProviderSource,
  findMirrorUnder,
  holdsAwsProvider,
  impliedMirrorDirs,
  linkMirrorInto,
  PROVIDER_MIRROR_ENV,
  terraformPlatform,
} from "../terraform/provider-mirror";

const scratch = mkdtempSync(join(tmpdir(), "lab-provider-mirror-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A folder holding the AWS provider for this platform, as `terraform providers mirror` lays it out. */
function mirrorAt(dir: string, platform = terraformPlatform()): string {
  mkdirSync(join(dir, "registry.terraform.io", "hashicorp", "aws", "5.100.0", platform), { recursive: true });
  return dir;
}

const unreachable = () => false;
const reachable = () => true;
const none: string[] = [];

describe("provider discovery", () => {
  it("takes LAB_TF_PROVIDER_MIRROR first, even when another mirror is implied", () => {
    const explicit = mirrorAt(join(scratch, "explicit"));
    const implied = mirrorAt(join(scratch, "implied-too"));
    const source = discoverProviderSource({ env: { [PROVIDER_MIRROR_ENV]: explicit }, impliedDirs: [implied], registryReachable: unreachable });
    expect(source).toEqual({ mirror: explicit, description: `provider mirror ${explicit} (${PROVIDER_MIRROR_ENV})` });
  });

  it("refuses a LAB_TF_PROVIDER_MIRROR that is not a mirror, naming the setting", () => {
    const notMirror = join(scratch, "not-a-mirror");
    mkdirSync(notMirror, { recursive: true });
    expect(() => discoverProviderSource({ env: { [PROVIDER_MIRROR_ENV]: notMirror } })).toThrow(
      `${PROVIDER_MIRROR_ENV} = ${JSON.stringify(notMirror)} is not a provider mirror: it has no registry.terraform.io folder`,
    );
  });

  it("leaves an implied mirror to Terraform itself, and says so", () => {
    const implied = mirrorAt(join(scratch, "home", ".terraform.d", "plugins"));
    const source = discoverProviderSource({ env: {}, impliedDirs: [join(scratch, "nothing-here"), implied], registryReachable: unreachable });
    expect(source.mirror).toBeUndefined();
    expect(source.description).toBe(`provider mirror ${implied} (one of Terraform's implied mirror directories)`);
  });

  it("lists Terraform's implied directories for the working directory, the home folder and XDG data folders", () => {
    expect(impliedMirrorDirs({ HOME: "/h", XDG_DATA_HOME: "/d", XDG_DATA_DIRS: "/a:/b" })).toEqual([
      join(process.cwd(), "terraform.d", "plugins"),
      "/h/.terraform.d/plugins",
      "/d/terraform/plugins",
      "/a/terraform/plugins",
      "/b/terraform/plugins",
    ]);
    expect(impliedMirrorDirs({ HOME: "/h" }).slice(2)).toEqual([
      "/h/.local/share/terraform/plugins",
      "/usr/local/share/terraform/plugins",
      "/usr/share/terraform/plugins",
    ]);
  });

  it("downloads as usual when the registry answers, even with a mirror on the machine", () => {
    const root = join(scratch, "root-online");
    mirrorAt(join(root, "tf-plugins"));
    const source = discoverProviderSource({ env: {}, impliedDirs: none, installRoots: [root], registryReachable: reachable });
    expect(source).toEqual({ description: "providers from registry.terraform.io" });
  });

  it("finds a mirror under the install roots when the registry cannot be reached", () => {
    const root = join(scratch, "root-offline");
    const mirror = mirrorAt(join(root, "tf-plugins"));
    const source = discoverProviderSource({ env: {}, impliedDirs: none, installRoots: [join(scratch, "absent-root"), root], registryReachable: unreachable });
    expect(source).toEqual({ mirror, description: `provider mirror ${mirror} (found there: registry.terraform.io cannot be reached)` });
  });

  it("looks two levels below a root, not deeper, and only at mirrors for this platform", () => {
    const root = join(scratch, "depth");
    mirrorAt(join(root, "a", "b", "c")); // three levels: not searched
    mirrorAt(join(root, "other-platform"), "plan9_mips");
    expect(findMirrorUnder([root])).toBeUndefined();
    expect(holdsAwsProvider(join(root, "other-platform"))).toBe(false);
    const two = mirrorAt(join(root, "x", "mirror"));
    expect(findMirrorUnder([root])).toBe(two);
  });

  it("says what to set when there is no mirror and no registry", () => {
    const source = discoverProviderSource({ env: {}, impliedDirs: none, installRoots: [join(scratch, "empty-root")], registryReachable: unreachable });
    expect(source.mirror).toBeUndefined();
    expect(source.hint).toBe(
      `registry.terraform.io cannot be reached and no local provider mirror was found (looked in Terraform's implied mirror directories ` +
        `and under ${join(scratch, "empty-root")}): set ${PROVIDER_MIRROR_ENV} to a folder holding registry.terraform.io/hashicorp/aws/<version>/${terraformPlatform()}/`,
    );
  });
});

describe("a synthesized folder finds the mirror by itself (npx cdktf runs Terraform there)", () => {
  it("links the mirror as terraform.d/plugins, and removes the link when no mirror is needed", () => {
    const stackDir = join(scratch, "stack");
    mkdirSync(stackDir, { recursive: true });
    const mirror = mirrorAt(join(scratch, "linked-mirror"));
    linkMirrorInto(stackDir, { mirror, description: "test" });
    const link = join(stackDir, "terraform.d", "plugins");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(mirror);
    linkMirrorInto(stackDir, { description: "providers from registry.terraform.io" });
    expect(existsSync(link)).toBe(false);
  });

  it("npm run synth with no setting leaves a folder where plain `terraform init` installs the provider", () => {
    const outdir = join(scratch, "synth-out");
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AWS_|LAB_|TF_CLI_CONFIG_FILE$)/.test(k)));
    const synth = spawnSync("npm", ["run", "-s", "synth"], { cwd: join(__dirname, ".."), env: { ...env, CDKTF_OUTDIR: outdir }, encoding: "utf8" });
    expect(synth.status).toBe(0);
    const stackDir = join(outdir, "stacks", "streaming-lab");
    // Terraform's own working directory is the stack folder, as under the cdktf CLI; no CLI config, no -chdir.
    const init = spawnSync("terraform", ["init", "-input=false", "-backend=false", "-no-color"], {
      cwd: stackDir,
      env: { ...env, CHECKPOINT_DISABLE: "1" },
      encoding: "utf8",
    });
    expect({ status: init.status, out: init.stdout + init.stderr }).toEqual({ status: 0, out: expect.stringContaining("Installed hashicorp/aws v5.100.0") });
  });
});
