import { gunzipSync } from "node:zlib";
import { Resource } from "../model";
import { defineRule, violation, Violation } from "../rule";

const ACCESS_KEY_ID = /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b/;
const SECRET_KEY = /(?:aws_secret_access_key|secret_access_key|secretaccesskey)["'\s]*[:=\s]\s*["']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/i;
const BASE64_CHUNK = /[A-Za-z0-9+/]{40,}={0,2}/g;

/** What credential the text holds, looking inside base64 and gzip (cloud-init's gz+b64 files) up to 3 levels deep. */
function findCredential(text: string, depth = 0): string | undefined {
  const key = ACCESS_KEY_ID.exec(text);
  if (key) return `an AWS access key id (${key[0].slice(0, 8)}...)`;
  if (SECRET_KEY.test(text)) return "an AWS secret access key";
  if (depth >= 3) return undefined;
  for (const [chunk] of text.matchAll(BASE64_CHUNK)) {
    let bytes = Buffer.from(chunk, "base64");
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      try {
        bytes = gunzipSync(bytes);
      } catch {
        continue;
      }
    }
    const decoded = bytes.toString("utf8");
    // Only text is worth reading again; random bytes would only produce false alarms.
    if (/^[\x09\x0a\x0d\x20-\x7e]*$/.test(decoded)) {
      const found = findCredential(decoded, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

const USER_DATA = ["user_data", "user_data_base64"];

function scan(resource: Resource): string | undefined {
  // The plan may hold a hash of the user data; the configuration holds the text.
  const texts = new Set(
    [...USER_DATA.map((a) => resource.values[a]), ...USER_DATA.map((a) => resource.configured[a])].filter((t): t is string => typeof t === "string"),
  );
  for (const text of texts) {
    const found = findCredential(text);
    if (found) return found;
  }
  return undefined;
}

export default defineRule({
  id: "LAB-EC2-4",
  title: "EC2 user data holds no AWS credentials",
  severity: "critical",
  rationale:
    "User data is readable by anyone who can describe the instance or reach its metadata service, and it is kept in state and plans; keys in it are keys given away.",
  fix: "Remove the keys (and rotate them); give the instance an instance profile whose role grants what it needs.",
  equivalents: { checkov: ["CKV_AWS_46"], cdkNag: [] },
  check(model) {
    const out: Violation[] = [];
    for (const type of ["aws_instance", "aws_launch_template", "aws_launch_configuration"]) {
      for (const resource of model.ofType(type)) {
        const found = scan(resource);
        if (found) out.push(violation(resource, `has ${found} in its user data`));
      }
    }
    return out;
  },
});
