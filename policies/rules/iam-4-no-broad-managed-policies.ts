import { isUnresolved, list, Resource } from "../model";
import { defineRule, undecided, violation, Violation } from "../rule";

/** AWS managed policies that grant far more than any one workload needs. */
const OVER_BROAD = /^arn:aws[a-z-]*:iam::aws:policy\/(?:[\w+=,.@-]+\/)*(AdministratorAccess|PowerUserAccess|IAMFullAccess|[\w+=,.@-]*FullAccess(?:V\d+)?)$/;

const ATTACHMENTS: Record<string, string> = {
  aws_iam_role_policy_attachment: "policy_arn",
  aws_iam_user_policy_attachment: "policy_arn",
  aws_iam_group_policy_attachment: "policy_arn",
  aws_iam_policy_attachment: "policy_arn",
  aws_iam_role: "managed_policy_arns",
  aws_iam_role_policy_attachments_exclusive: "policy_arns",
  aws_iam_user_policy_attachments_exclusive: "policy_arns",
  aws_iam_group_policy_attachments_exclusive: "policy_arns",
};

function check(out: Violation[], resource: Resource, attribute: string): void {
  for (const arn of list(resource.values[attribute])) {
    const match = typeof arn === "string" ? OVER_BROAD.exec(arn) : null;
    if (match) out.push(violation(resource, `attaches the AWS managed policy ${match[1]} (${attribute})`));
    else if (isUnresolved(arn) && typeof arn !== "string") out.push(undecided(resource, `${attribute} is known only after apply`));
  }
}

export default defineRule({
  id: "LAB-IAM-4",
  title: "No AdministratorAccess or other over-broad AWS managed policies",
  severity: "critical",
  rationale:
    "AdministratorAccess, PowerUserAccess and the *FullAccess policies grant whole services (or everything) and change when AWS changes them; the 2019 lab ran its generator with AdministratorAccess keys.",
  fix: "Replace the attachment with an inline or customer managed policy naming the actions and resources the principal needs.",
  equivalents: { checkov: ["CKV_AWS_274"], cdkNag: ["AwsSolutions-IAM4"] },
  check(model) {
    const out: Violation[] = [];
    for (const [type, attribute] of Object.entries(ATTACHMENTS)) {
      for (const resource of model.ofType(type)) check(out, resource, attribute);
    }
    return out;
  },
});
