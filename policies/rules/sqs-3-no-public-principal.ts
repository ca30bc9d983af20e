import { checkPublicGrants } from "../checks";
import { defineRule } from "../rule";

export default defineRule({
  id: "LAB-SQS-3",
  title: "SQS queue policies allow nothing to every principal",
  severity: "critical",
  rationale:
    'An Allow statement with Principal "*" (or NotPrincipal) lets any AWS account send, read or delete the queue\'s messages; SQS has no public-access block to stop it, and conditions such as aws:SourceArn are easy to get wrong.',
  fix: 'Name the principal that needs access: the service (Principal { Service = "sns.amazonaws.com" } with an aws:SourceArn condition), a role or an account, instead of "*"; deny statements with Principal "*" (such as the TLS rule) are fine.',
  equivalents: { checkov: ["CKV_AWS_168"], cdkNag: [] },
  check: (model) => checkPublicGrants(model, ["aws_sqs_queue_policy", "aws_sqs_queue"]),
});
