import { checkBucketPart } from "../checks";
import { blocks, flag, isUnresolved } from "../model";
import { defineRule, Violation } from "../rule";

export default defineRule({
  id: "LAB-S3-3",
  title: "S3 buckets have versioning enabled",
  severity: "medium",
  rationale: "Versioning keeps overwritten and deleted objects recoverable: a bad delivery or a mistaken delete does not lose data.",
  fix: 'Add an aws_s3_bucket_versioning for the bucket with versioning_configuration { status = "Enabled" }, and a lifecycle rule that expires noncurrent versions.',
  equivalents: { checkov: ["CKV_AWS_21"], cdkNag: [] },
  check(model) {
    const out: Violation[] = [];
    for (const bucket of model.ofType("aws_s3_bucket")) {
      const inline = blocks(bucket.values.versioning).at(0);
      const inlineEnabled = inline ? flag(inline.enabled) : null;
      const found = checkBucketPart(
        model,
        bucket,
        "aws_s3_bucket_versioning",
        (part) => {
          const status = blocks(part.values.versioning_configuration)[0]?.status;
          if (isUnresolved(status)) return undefined;
          return status === "Enabled" ? true : `its versioning status is ${JSON.stringify(status)}`;
        },
        "has no aws_s3_bucket_versioning enabling versioning",
        inlineEnabled === true ? true : inlineEnabled === false ? "its inline versioning is disabled" : inlineEnabled,
      );
      if (found) out.push(found);
    }
    return out;
  },
});
