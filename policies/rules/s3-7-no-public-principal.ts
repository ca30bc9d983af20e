import { checkPublicGrants } from "../checks";
import { defineRule } from "../rule";

export default defineRule({
  id: "LAB-S3-7",
  title: "S3 bucket policies allow nothing to every principal",
  severity: "critical",
  rationale:
    'An Allow statement with Principal "*" (or NotPrincipal) grants its actions to anyone on the internet, unless every public-access block happens to stop it.',
  fix: 'Name the principals that need access (an account, role or service) instead of "*"; deny statements with Principal "*" (such as the TLS rule) are fine.',
  equivalents: { checkov: ["CKV_AWS_70"], cdkNag: [] },
  check: (model) => checkPublicGrants(model, ["aws_s3_bucket_policy", "aws_s3_bucket"]),
});
