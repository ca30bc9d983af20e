import { checkInsecureTransportDenied } from "../checks";
import { deniesInsecureTransport, Statement } from "../iam";
import { isUnresolved, Resource, TerraformModel } from "../model";
import { bucketPolicies } from "../relations";
import { defineRule } from "../rule";

/** Whether a policy Resource entry names the bucket itself (`objects` false) or its objects (`objects` true). */
function namesBucket(model: TerraformModel, from: Resource, bucket: Resource, resource: unknown, objects: boolean): boolean {
  if (typeof resource !== "string" || resource.endsWith("/*") !== objects) return false;
  if (model.referenced(from, resource).includes(bucket)) return true;
  const name = bucket.values.bucket;
  return typeof name === "string" && !isUnresolved(name) && resource === `arn:aws:s3:::${name}${objects ? "/*" : ""}`;
}

/** The TLS statement, naming the bucket and its objects. */
function deniesInsecureAccess(model: TerraformModel, from: Resource, bucket: Resource, s: Statement): boolean {
  return (
    deniesInsecureTransport(s, "s3") &&
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
  fix: 'Attach a bucket policy with a statement: Effect Deny, Principal "*", Action "s3:*", Resource the bucket ARN and <bucket ARN>/*, Condition Bool aws:SecureTransport = "false".',
  equivalents: { checkov: [], cdkNag: ["AwsSolutions-S10"] },
  check(model) {
    return checkInsecureTransportDenied(model, model.ofType("aws_s3_bucket"), {
      noun: "bucket",
      policiesOf: bucketPolicies,
      denies: deniesInsecureAccess,
      denial: "denying s3:* to everyone on the bucket and its objects",
    });
  },
});
