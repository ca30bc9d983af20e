import { isAnyone, readPolicy, Statement } from "../iam";
import { isUnresolved, Resource, TerraformModel, Unknown } from "../model";
import { bucketPolicies } from "../relations";
import { defineRule, undecided, violation, Violation } from "../rule";

/** Whether a policy Resource entry names the bucket itself (`objects` false) or its objects (`objects` true). */
function namesBucket(model: TerraformModel, from: Resource, bucket: Resource, resource: unknown, objects: boolean): boolean {
  if (typeof resource !== "string" || resource.endsWith("/*") !== objects) return false;
  if (model.referenced(from, resource).includes(bucket)) return true;
  const name = bucket.values.bucket;
  return typeof name === "string" && !isUnresolved(name) && resource === `arn:aws:s3:::${name}${objects ? "/*" : ""}`;
}

function deniesInsecureTransport(model: TerraformModel, from: Resource, bucket: Resource, s: Statement): boolean {
  const tlsCondition = s.conditions.some(
    (c) => /^Bool(IfExists)?$/.test(c.operator) && c.key.toLowerCase() === "aws:securetransport" && c.values.some((v) => v === false || v === "false"),
  );
  return (
    s.effect === "Deny" &&
    s.principals.some(isAnyone) &&
    s.actions.some((a) => a === "*" || a === "s3:*") &&
    tlsCondition &&
    s.resources.some((r) => namesBucket(model, from, bucket, r, false)) &&
    s.resources.some((r) => namesBucket(model, from, bucket, r, true))
  );
}

export default defineRule({
  id: "LAB-S3-5",
  title: "S3 bucket policies deny requests without TLS",
  severity: "high",
  rationale:
    "S3 answers plain HTTP too; only a bucket policy that denies aws:SecureTransport = false guarantees that no client reads or writes the bucket unencrypted in transit.",
  fix: "Attach a bucket policy with a statement: Effect Deny, Principal \"*\", Action \"s3:*\", Resource the bucket ARN and <bucket ARN>/*, Condition Bool aws:SecureTransport = \"false\".",
  equivalents: { checkov: [], cdkNag: ["AwsSolutions-S10"] },
  check(model) {
    const out: Violation[] = [];
    for (const bucket of model.ofType("aws_s3_bucket")) {
      const { sources, unresolved } = bucketPolicies(model, bucket);
      let denied = false;
      let unknown: string | undefined;
      for (const source of sources) {
        const read = readPolicy(model, source.resource, source.value);
        if ("unknown" in read) unknown ??= `the policy in ${source.resource.address}.${source.attribute}: ${read.unknown}`;
        else if (read.statements.some((s) => deniesInsecureTransport(model, source.resource, bucket, s))) denied = true;
        else if (read.statements.some((s) => [s.effect, ...s.actions, ...s.resources, ...s.principals.map((p) => p.id)].some((v) => v instanceof Unknown))) {
          unknown ??= `a statement of ${source.resource.address} has values known only after apply`;
        }
      }
      if (denied) continue;
      if (unknown) out.push(undecided(bucket, unknown));
      else if (sources.length === 0 && unresolved.length > 0) out.push(undecided(bucket, `${unresolved.map((r) => r.address).join(", ")} may be its policy, but which bucket they name is known only after apply`));
      else if (sources.length === 0) out.push(violation(bucket, "has no bucket policy, so requests without TLS are allowed"));
      else {
        const names = sources.map((s) => s.resource.address).join(", ");
        out.push(violation(bucket, `its policy (${names}) has no statement denying s3:* to everyone on the bucket and its objects when aws:SecureTransport is false`));
      }
    }
    return out;
  },
});
