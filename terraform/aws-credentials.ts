/**
 * Whether this machine has AWS credentials, decided without calling AWS: `npm run plan` plans
 * offline without them, and `npm run deploy` refuses to start.
 *
 * The rule: credentials are present when the environment names them (an access key pair, a
 * profile, a web-identity token, container credentials) or the default profile of the shared
 * files holds them. An EC2 instance role cannot be seen without calling the metadata service, so
 * it is not detected: set LAB_PLAN_OFFLINE=0 to use one. LAB_PLAN_OFFLINE=1 forces offline.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const PLAN_OFFLINE_ENV = "LAB_PLAN_OFFLINE";

export interface AwsAccess {
  /** True when Terraform must plan without an account. */
  readonly offline: boolean;
  /** Where the credentials come from, or why the plan is offline, in a few words. */
  readonly reason: string;
  /** What was checked, when nothing was found. */
  readonly checked?: string;
}

/** Keys of a profile in ~/.aws/config that make the SDK able to sign requests. */
const CONFIG_CREDENTIAL_KEYS = [
  "aws_access_key_id",
  "role_arn",
  "credential_process",
  "sso_session",
  "sso_start_url",
  "web_identity_token_file",
  "credential_source",
];

const CHECKED =
  "AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY, AWS_PROFILE, AWS_WEB_IDENTITY_TOKEN_FILE, AWS_CONTAINER_CREDENTIALS_*, " +
  "and the default profile in ~/.aws/credentials and ~/.aws/config";

export function awsAccess(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): AwsAccess {
  const forced = env[PLAN_OFFLINE_ENV];
  if (forced !== undefined && forced !== "") {
    if (forced === "1" || forced === "true") return { offline: true, reason: `${PLAN_OFFLINE_ENV}=${forced} forces an offline plan` };
    if (forced === "0" || forced === "false") {
      return { offline: false, reason: `${PLAN_OFFLINE_ENV}=${forced}: credentials are left to the AWS provider (e.g. an instance role)` };
    }
    throw new Error(
      `${PLAN_OFFLINE_ENV} = ${JSON.stringify(forced)} is not allowed: it must be 1 (plan offline), 0 (use the provider's credentials) or unset (detect)`,
    );
  }
  const found = credentialSource(env, home);
  return found !== undefined
    ? { offline: false, reason: `AWS credentials from ${found}` }
    : {
        offline: true,
        reason: "no AWS credentials found",
        checked: `checked ${CHECKED}; an instance role is not detected: set ${PLAN_OFFLINE_ENV}=0 to use one`,
      };
}

function credentialSource(env: NodeJS.ProcessEnv, home: string): string | undefined {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return "AWS_ACCESS_KEY_ID";
  if (env.AWS_PROFILE) return `AWS_PROFILE=${env.AWS_PROFILE}`;
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) return "AWS_WEB_IDENTITY_TOKEN_FILE";
  if (env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) return "container credentials (AWS_CONTAINER_CREDENTIALS_*)";
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE || join(home, ".aws", "credentials");
  if (iniSection(credentialsFile, "default")?.aws_access_key_id) return `${credentialsFile} [default]`;
  const configFile = env.AWS_CONFIG_FILE || join(home, ".aws", "config");
  const profile = iniSection(configFile, "default") ?? {};
  if (CONFIG_CREDENTIAL_KEYS.some((k) => profile[k])) return `${configFile} [default]`;
  return undefined;
}

/** The keys of one `[section]` of an AWS shared file (undefined when the file or section is missing). */
function iniSection(file: string, section: string): Record<string, string> | undefined {
  if (!existsSync(file)) return undefined;
  let current: string | undefined;
  let found: Record<string, string> | undefined;
  for (const raw of readFileSync(file, "utf8").split(/\r?\n/)) {
    const line = raw.replace(/[#;].*$/, "").trim();
    const header = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (header) {
      current = header[1];
      if (current === section) found ??= {};
      continue;
    }
    const pair = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(line);
    if (pair && current === section && found) found[pair[1].toLowerCase()] = pair[2];
  }
  return found;
}
