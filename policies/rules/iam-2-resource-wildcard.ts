import { describeStatement, readPolicy } from "../iam";
import { isUnresolved, Unknown } from "../model";
import { identityPolicies } from "../relations";
import { defineRule, undecided, violation, Violation } from "../rule";

/**
 * Actions that have no resource type in AWS's Service Authorization Reference, so a policy can
 * only grant them on "*". Reviewed: each entry says who needs it. Add to it only with that review.
 */
export const UNSCOPABLE_ACTIONS: readonly { readonly actions: readonly string[]; readonly reason: string }[] = [
  {
    actions: [
      "ssm:UpdateInstanceInformation",
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ],
    reason: "the Session Manager agent registering and opening its channels (AmazonSSMManagedInstanceCore)",
  },
  {
    actions: [
      "ec2messages:AcknowledgeMessage",
      "ec2messages:DeleteMessage",
      "ec2messages:FailMessage",
      "ec2messages:GetEndpoint",
      "ec2messages:GetMessages",
      "ec2messages:SendReply",
    ],
    reason: "the SSM agent's message channel (AmazonSSMManagedInstanceCore)",
  },
  { actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], reason: "sending X-Ray traces (Lambda active tracing)" },
  { actions: ["cloudwatch:PutMetricData"], reason: "publishing custom metrics (scope it with a cloudwatch:namespace condition)" },
  { actions: ["ec2:DescribeNetworkInterfaces"], reason: "a Lambda function attached to a VPC (AWSLambdaVPCAccessExecutionRole)" },
  { actions: ["sts:GetCallerIdentity"], reason: "asking who the caller is; it needs no permission at all" },
];

const UNSCOPABLE = new Set(UNSCOPABLE_ACTIONS.flatMap((e) => e.actions.map((a) => a.toLowerCase())));

export default defineRule({
  id: "LAB-IAM-2",
  title: 'IAM policies use Resource "*" only for actions that cannot be scoped',
  severity: "high",
  rationale:
    'Resource "*" grants the actions on every resource in the account, present and future; only actions with no resource type (a short reviewed list in policies/rules/iam-2-resource-wildcard.ts) need it.',
  fix: "Name the resources (bucket and object ARNs, the stream's ARN, the log stream's ARN); keep \"*\" only in a statement whose actions are all on the reviewed list.",
  equivalents: { checkov: ["CKV_AWS_355"], cdkNag: ["AwsSolutions-IAM5"] },
  check(model) {
    const out: Violation[] = [];
    for (const source of identityPolicies(model)) {
      const read = readPolicy(model, source.resource, source.value);
      if ("unknown" in read) {
        out.push(undecided(source.resource, `its ${source.attribute}: ${read.unknown}`));
        continue;
      }
      read.statements.forEach((s, i) => {
        if (s.effect !== "Allow") return;
        const name = `${describeStatement(s, i)} in ${source.attribute}`;
        if (s.notResources.length > 0) out.push(violation(source.resource, `${name} allows its actions on every resource except its NotResource`));
        // An unknown entry that refers to a resource (an ARN attribute) is that resource, never "*".
        const unreadable = s.resources.filter((r) => r instanceof Unknown && model.referenced(source.resource, r).length === 0);
        if (unreadable.length > 0) out.push(undecided(source.resource, `the resources of ${name} are known only after apply`));
        if (!s.resources.some((r) => typeof r === "string" && r.trim() === "*")) return;
        const scopable = s.actions.filter((a) => !(typeof a === "string" && UNSCOPABLE.has(a.toLowerCase())));
        if (scopable.some(isUnresolved)) out.push(undecided(source.resource, `the actions of ${name} are known only after apply`));
        else if (scopable.length > 0) out.push(violation(source.resource, `${name} allows ${scopable.join(", ")} on Resource "*"`));
      });
    }
    return out;
  },
});
