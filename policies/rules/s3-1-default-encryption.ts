import { checkBucketPart, Verdict } from "../checks";
import { blocks, isUnresolved } from "../model";
import { defineRule, Violation } from "../rule";

const ALGORITHMS = ["AES256", "aws:kms", "aws:kms:dsse"];

function judgeRules(rules: unknown): Verdict {
  const algorithms = blocks(rules).flatMap((r) => blocks(r.apply_server_side_encryption_by_default).map((d) => d.sse_algorithm));
  if (algorithms.some((a) => typeof a === "string" && ALGORITHMS.includes(a))) return true;
  if (algorithms.some(isUnresolved)) return undefined;
  return algorithms.length === 0
    ? "its encryption configuration sets no default algorithm"
    : `its default algorithm ${algorithms.join(", ")} is not one of ${ALGORITHMS.join(", ")}`;
}

export default defineRule({
  id: "LAB-S3-1",
  title: "S3 buckets have default encryption configured",
  severity: "high",
  rationale:
    "Objects written without encryption headers are encrypted with the key the bucket names; stating it in code makes the choice (SSE-S3 or a KMS key) reviewable and keeps it from drifting.",
  fix: 'Add an aws_s3_bucket_server_side_encryption_configuration for the bucket with apply_server_side_encryption_by_default { sse_algorithm = "AES256" } (or aws:kms with a key).',
  equivalents: { checkov: ["CKV_AWS_19"], cdkNag: [] },
  check(model) {
    const out: Violation[] = [];
    for (const bucket of model.ofType("aws_s3_bucket")) {
      const inline = bucket.values.server_side_encryption_configuration;
      const found = checkBucketPart(
        model,
        bucket,
        "aws_s3_bucket_server_side_encryption_configuration",
        (part) => judgeRules(part.values.rule),
        "has no default encryption: no aws_s3_bucket_server_side_encryption_configuration names it",
        blocks(inline).length > 0 ? judgeRules(blocks(inline)[0].rule) : isUnresolved(inline) ? undefined : null,
      );
      if (found) out.push(found);
    }
    return out;
  },
});
