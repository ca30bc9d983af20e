import { readBlocks } from "../model";
import { attachedTo } from "../relations";
import { addressList, defineRule, undecided, violation, Violation } from "../rule";

export default defineRule({
  id: "LAB-NET-4",
  title: "VPC default security groups allow no traffic",
  severity: "medium",
  rationale:
    "Every VPC comes with a default security group that lets its members talk to each other and to anywhere; anything launched without a group lands in it. Managing it with no rules closes that door.",
  fix: "Add an aws_default_security_group with vpc_id set to the VPC and no ingress or egress blocks.",
  equivalents: { checkov: ["CKV2_AWS_12"], cdkNag: [] },
  check(model) {
    const out: Violation[] = [];
    for (const vpc of model.ofType("aws_vpc")) {
      const { attached, unresolved } = attachedTo(model, vpc, "aws_default_security_group", "vpc_id", [vpc.values.id]);
      if (attached.length === 0) {
        if (unresolved.length > 0)
          out.push(undecided(vpc, `${addressList(unresolved)} may manage its default group, but which VPC they name is known only after apply`));
        else out.push(violation(vpc, "leaves its default security group open: no aws_default_security_group manages it"));
        continue;
      }
      for (const group of attached) {
        const ingress = readBlocks(group.values.ingress);
        const egress = readBlocks(group.values.egress);
        const rules = ingress.blocks.length + egress.blocks.length;
        if (ingress.unknown || egress.unknown)
          out.push(undecided(group, `the rules of the default security group of ${vpc.address} are known only after apply`));
        else if (rules > 0) out.push(violation(group, `the default security group of ${vpc.address} keeps ${rules} rule(s)`));
      }
    }
    return out;
  },
});
