import { isUnresolved, list, readBlocks, Resource, TerraformModel } from "../model";
import { defineRule, undecided, violation, Violation } from "../rule";

/** `0.0.0.0/0`, `::/0` and any other block with prefix length 0: the whole internet. */
const isWorld = (cidr: unknown) => typeof cidr === "string" && /\/0$/.test(cidr.trim());

function checkSources(model: TerraformModel, out: Violation[], resource: Resource, what: string, cidrs: unknown[]): void {
  const world = cidrs.filter(isWorld);
  if (world.length > 0) {
    out.push(violation(resource, `${what} allows inbound traffic from ${world.join(" and ")}`));
    return;
  }
  // A reference to a resource (a VPC's CIDR) is fine; a variable or an unreadable expression could be anything.
  const unreadable = cidrs.filter((c) => isUnresolved(c) && model.referenced(resource, c).length === 0);
  if (unreadable.length > 0) out.push(undecided(resource, `the source of ${what} is known only after apply`));
}

const ports = (rule: Record<string, unknown>) =>
  rule.from_port === rule.to_port ? `port ${String(rule.from_port)}` : `ports ${String(rule.from_port)}-${String(rule.to_port)}`;

export default defineRule({
  id: "LAB-NET-1",
  title: "Security groups allow no inbound traffic from the whole internet",
  severity: "critical",
  rationale:
    "An ingress rule from 0.0.0.0/0 or ::/0 exposes the port to every scanner on the internet (the 2019 lab opened SSH to the world); reach instances with Session Manager or from known networks instead.",
  fix: "Remove the rule, or allow only known CIDR blocks, a prefix list or another security group; use Session Manager instead of inbound SSH/RDP.",
  equivalents: { checkov: ["CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277"], cdkNag: ["AwsSolutions-EC23"] },
  check(model) {
    const out: Violation[] = [];
    for (const type of ["aws_security_group", "aws_default_security_group"]) {
      for (const group of model.ofType(type)) {
        const ingress = readBlocks(group.values.ingress);
        if (ingress.unknown) out.push(undecided(group, "its ingress rules are known only after apply"));
        ingress.blocks.forEach((rule) =>
          checkSources(model, out, group, `its ingress rule on ${ports(rule)}`, [...list(rule.cidr_blocks), ...list(rule.ipv6_cidr_blocks)]),
        );
      }
    }
    for (const rule of model.ofType("aws_security_group_rule")) {
      if (isUnresolved(rule.values.type)) out.push(undecided(rule, "its type is known only after apply"));
      else if (rule.values.type === "ingress")
        checkSources(model, out, rule, `the rule on ${ports(rule.values)}`, [...list(rule.values.cidr_blocks), ...list(rule.values.ipv6_cidr_blocks)]);
    }
    for (const rule of model.ofType("aws_vpc_security_group_ingress_rule")) {
      checkSources(
        model,
        out,
        rule,
        `the rule on ${ports(rule.values)}`,
        [rule.values.cidr_ipv4, rule.values.cidr_ipv6].filter((c) => c !== undefined && c !== null),
      );
    }
    return out;
  },
});
