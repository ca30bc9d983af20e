import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { awsAccess } from "../terraform/aws-credentials";

describe("AWS credential detection (decides offline plans; nothing calls AWS)", () => {
  const homes: string[] = [];
  afterAll(() => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));

  /** A home folder holding the given ~/.aws files. */
  function home(files: Record<string, string> = {}): string {
    const dir = mkdtempSync(join(tmpdir(), "lab-home-"));
    homes.push(dir);
    mkdirSync(join(dir, ".aws"));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, ".aws", name), text);
    return dir;
  }

  it("plans offline when nothing names credentials, and says what it checked", () => {
    const access = awsAccess({}, home());
    expect(access).toEqual({ offline: true, reason: "no AWS credentials found", checked: expect.stringContaining("AWS_PROFILE") });
    expect(access.checked).toContain("LAB_PLAN_OFFLINE=0");
  });

  it.each([
    [{ AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: "s" }, "AWS_ACCESS_KEY_ID"],
    [{ AWS_PROFILE: "dev" }, "AWS_PROFILE=dev"],
    [{ AWS_WEB_IDENTITY_TOKEN_FILE: "/var/run/token", AWS_ROLE_ARN: "arn:aws:iam::1:role/x" }, "AWS_WEB_IDENTITY_TOKEN_FILE"],
    [{ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/credentials/x" }, "container credentials"],
  ])("finds credentials in the environment: %j", (env, source) => {
    expect(awsAccess(env, home())).toEqual({ offline: false, reason: expect.stringContaining(source) });
  });

  it("does not count half an access key pair", () => {
    expect(awsAccess({ AWS_ACCESS_KEY_ID: "AKIA" }, home()).offline).toBe(true);
  });

  it("finds the default profile in ~/.aws/credentials and ~/.aws/config", () => {
    expect(awsAccess({}, home({ credentials: "[default]\naws_access_key_id = AKIA\naws_secret_access_key = s\n" })).offline).toBe(false);
    expect(awsAccess({}, home({ config: "[default]\nregion = eu-west-1\nsso_session = corp\n" })).offline).toBe(false);
    expect(awsAccess({}, home({ config: "[default]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = base\n" })).offline).toBe(false);
  });

  it("ignores files that hold no credentials for the default profile", () => {
    expect(awsAccess({}, home({ config: "[default]\nregion = eu-west-1\noutput = json\n" })).offline).toBe(true);
    expect(awsAccess({}, home({ credentials: "[other]\naws_access_key_id = AKIA\n" })).offline).toBe(true);
  });

  it("reads the files named by AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE", () => {
    const dir = home({ "team-credentials": "[default]\naws_access_key_id = AKIA\n" });
    expect(awsAccess({ AWS_SHARED_CREDENTIALS_FILE: join(dir, ".aws", "team-credentials") }, home()).offline).toBe(false);
  });

  it("obeys LAB_PLAN_OFFLINE: 1 forces offline even with credentials, 0 trusts the provider (instance roles)", () => {
    expect(awsAccess({ LAB_PLAN_OFFLINE: "1", AWS_PROFILE: "dev" }, home()).offline).toBe(true);
    expect(awsAccess({ LAB_PLAN_OFFLINE: "0" }, home())).toEqual({ offline: false, reason: expect.stringContaining("instance role") });
  });

  it("refuses any other LAB_PLAN_OFFLINE value, naming it and what is allowed", () => {
    expect(() => awsAccess({ LAB_PLAN_OFFLINE: "yes" }, home())).toThrow(
      'LAB_PLAN_OFFLINE = "yes" is not allowed: it must be 1 (plan offline), 0 (use the provider\'s credentials) or unset (detect)',
    );
  });
});
