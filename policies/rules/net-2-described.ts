import { isSet } from "../checks";
import { readBlocks, Resource } from "../model";
import { defineRule, undecided, violation, Violation } from "../rule";

/** What the AWS provider writes when a security group has no description. */
const PROVIDER_DEFAULT = "Managed by Terraform";

function undescribed(out: Violation[], resource: Resource, problems: string[]): void {
  if (problems.length > 0) out.push(violation(resource, problems.join("; ")));
}

export default defineRule({
  id: "LAB-NET-2",
  title: "Security groups and their rules are described",
  severity: "low",
  rationale: "A reviewer (or an incident responder) must be able to tell why a group and each of its rules exist without reading the code that made them.",
  fix: "Give every security group a description of what it is for, and every rule (inline, aws_security_group_rule, aws_vpc_security_group_*_rule) a description of the traffic it allows.",
  equivalents: { checkov: ["CKV_AWS_23"], cdkNag: ["AwsSolutions-EC27"] },
  check(model) {
    const out: Violation[] = [];
    for (const type of ["aws_security_group", "aws_default_security_group"]) {
      for (const group of model.ofType(type)) {
        const problems: string[] = [];
        const description = group.values.description;
        if (type === "aws_security_group" && (!isSet(description) || description === PROVIDER_DEFAULT)) problems.push("the group has no description");
        for (const direction of ["ingress", "egress"]) {
          const rules = readBlocks(group.values[direction]);
          if (rules.unknown) out.push(undecided(group, `whether its inline ${direction} rules are described is known only after apply`));
          const missing = rules.blocks.filter((r) => !isSet(r.description)).length;
          if (missing > 0) problems.push(`${missing} inline ${direction} rule(s) have no description`);
        }
        undescribed(out, group, problems);
      }
    }
    for (const type of ["aws_security_group_rule", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"]) {
      for (const rule of model.ofType(type)) undescribed(out, rule, isSet(rule.values.description) ? [] : ["the rule has no description"]);
    }
    return out;
  },
});
