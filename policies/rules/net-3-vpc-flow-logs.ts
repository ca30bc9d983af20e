import { attachedTo } from "../relations";
import { addressList, defineRule, undecided, violation, Violation } from "../rule";

export default defineRule({
  id: "LAB-NET-3",
  title: "VPCs have flow logs",
  severity: "medium",
  rationale: "Flow logs are the only record of which addresses talked to what in a VPC; without them an intrusion or a data leak leaves no network trace.",
  fix: 'Add an aws_flow_log with vpc_id set to the VPC, traffic_type = "ALL", to a CloudWatch log group (with a retention) or an S3 bucket.',
  equivalents: { checkov: ["CKV2_AWS_11"], cdkNag: ["AwsSolutions-VPC7"] },
  check(model) {
    const out: Violation[] = [];
    for (const vpc of model.ofType("aws_vpc")) {
      const { attached, unresolved } = attachedTo(model, vpc, "aws_flow_log", "vpc_id", [vpc.values.id]);
      if (attached.length > 0) continue;
      if (unresolved.length > 0) out.push(undecided(vpc, `${addressList(unresolved)} may log it, but which VPC they name is known only after apply`));
      else out.push(violation(vpc, "has no aws_flow_log"));
    }
    return out;
  },
});
