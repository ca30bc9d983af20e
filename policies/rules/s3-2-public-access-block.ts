import { checkBucketPart } from "../checks";
import { flag } from "../model";
import { defineRule, Violation } from "../rule";

const FLAGS = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];

export default defineRule({
  id: "LAB-S3-2",
  title: "S3 buckets block all four kinds of public access",
  severity: "high",
  rationale: "The four public-access blocks stop a later ACL or bucket policy from making objects public by mistake; one missing block leaves that door open.",
  fix: "Add an aws_s3_bucket_public_access_block for the bucket with block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets all true.",
  equivalents: { checkov: ["CKV2_AWS_6", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"], cdkNag: ["AwsSolutions-S2"] },
  check(model) {
    const out: Violation[] = [];
    for (const bucket of model.ofType("aws_s3_bucket")) {
      const found = checkBucketPart(
        model,
        bucket,
        "aws_s3_bucket_public_access_block",
        (part) => {
          const values = FLAGS.map((f) => flag(part.values[f]));
          if (values.includes(undefined)) return undefined;
          const off = FLAGS.filter((_, i) => values[i] === false);
          return off.length === 0 ? true : `its public-access block leaves ${off.join(", ")} off`;
        },
        "has no aws_s3_bucket_public_access_block",
        null, // the bucket resource has no inline form of it
      );
      if (found) out.push(found);
    }
    return out;
  },
});
