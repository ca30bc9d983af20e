import { checkBucketPart } from "../checks";
import { blocks, flag, isUnresolved } from "../model";
import { defineRule, Violation } from "../rule";

export default defineRule({
  id: "LAB-S3-6",
  title: "S3 buckets have a lifecycle configuration",
  severity: "low",
  rationale: "Without a lifecycle, unfinished multipart uploads, old versions and stale objects are kept (and billed) forever.",
  fix: "Add an aws_s3_bucket_lifecycle_configuration for the bucket with at least one enabled rule (abort incomplete multipart uploads, expire noncurrent versions).",
  equivalents: { checkov: ["CKV2_AWS_61"], cdkNag: [] },
  check(model) {
    const out: Violation[] = [];
    for (const bucket of model.ofType("aws_s3_bucket")) {
      const inlineRules = blocks(bucket.values.lifecycle_rule);
      const inlineEnabled = inlineRules.map((r) => flag(r.enabled));
      const found = checkBucketPart(
        model,
        bucket,
        "aws_s3_bucket_lifecycle_configuration",
        (part) => {
          const statuses = blocks(part.values.rule).map((r) => r.status);
          if (statuses.includes("Enabled")) return true;
          if (statuses.some(isUnresolved)) return undefined;
          return "its lifecycle configuration has no enabled rule";
        },
        "has no aws_s3_bucket_lifecycle_configuration",
        inlineRules.length === 0
          ? null
          : inlineEnabled.includes(true)
            ? true
            : inlineEnabled.includes(undefined)
              ? undefined
              : "its inline lifecycle rules are all disabled",
      );
      if (found) out.push(found);
    }
    return out;
  },
});
