import { checkBucketPart } from "../checks";
import { blocks, isUnresolved } from "../model";
import { defineRule, Violation } from "../rule";

export default defineRule({
  id: "LAB-S3-4",
  title: "S3 buckets have ACLs disabled (object ownership BucketOwnerEnforced)",
  severity: "medium",
  rationale:
    "With ACLs disabled the bucket policy alone decides access and the bucket owner owns every object; ACLs are a second, easily forgotten way to grant access.",
  fix: 'Add an aws_s3_bucket_ownership_controls for the bucket with rule { object_ownership = "BucketOwnerEnforced" } (and no aws_s3_bucket_acl).',
  equivalents: { checkov: ["CKV2_AWS_65"], cdkNag: [] },
  check(model) {
    const out: Violation[] = [];
    for (const bucket of model.ofType("aws_s3_bucket")) {
      const found = checkBucketPart(
        model,
        bucket,
        "aws_s3_bucket_ownership_controls",
        (part) => {
          const ownership = blocks(part.values.rule)[0]?.object_ownership;
          if (isUnresolved(ownership)) return undefined;
          return ownership === "BucketOwnerEnforced" ? true : `its object ownership is ${JSON.stringify(ownership)}, so ACLs still apply`;
        },
        "has no aws_s3_bucket_ownership_controls, so ACLs still apply",
        null, // the bucket resource has no inline form of it
      );
      if (found) out.push(found);
    }
    return out;
  },
});
