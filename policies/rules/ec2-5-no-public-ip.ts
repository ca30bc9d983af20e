import { flag, readBlocks, Resource } from "../model";
import { defineRule, undecided, violation, Violation } from "../rule";

function check(out: Violation[], resource: Resource, value: unknown, what: string): void {
  const on = flag(value);
  if (on === undefined) out.push(undecided(resource, `${what} is known only after apply`));
  else if (on) out.push(violation(resource, `gives instances a public IP address (${what} = true)`));
}

export default defineRule({
  id: "LAB-EC2-5",
  title: "EC2 instances get no public IP address",
  severity: "medium",
  rationale:
    "A public address makes an instance reachable from the internet as soon as any security group or network ACL allows it; instances in private subnets reach AWS through NAT or VPC endpoints.",
  fix: "Launch into a private subnet (map_public_ip_on_launch = false) without associate_public_ip_address, and reach AWS through a NAT gateway or VPC endpoints.",
  equivalents: { checkov: ["CKV_AWS_88", "CKV_AWS_130"], cdkNag: [] },
  check(model) {
    const out: Violation[] = [];
    for (const instance of model.ofType("aws_instance")) check(out, instance, instance.values.associate_public_ip_address, "associate_public_ip_address");
    for (const config of model.ofType("aws_launch_configuration")) check(out, config, config.values.associate_public_ip_address, "associate_public_ip_address");
    for (const template of model.ofType("aws_launch_template")) {
      const interfaces = readBlocks(template.values.network_interfaces);
      if (interfaces.unknown) out.push(undecided(template, "its network_interfaces are known only after apply"));
      interfaces.blocks.forEach((nic, i) => check(out, template, nic.associate_public_ip_address, `network_interfaces[${i}].associate_public_ip_address`));
    }
    for (const subnet of model.ofType("aws_subnet")) check(out, subnet, subnet.values.map_public_ip_on_launch, "map_public_ip_on_launch");
    return out;
  },
});
