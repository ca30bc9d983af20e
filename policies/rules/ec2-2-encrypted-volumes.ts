import { blocks, flag, readBlocks, Resource } from "../model";
import { launchTemplateOf } from "../relations";
import { defineRule, undecided, violation, Violation } from "../rule";

/** Names the volumes of `devices` that are not encrypted; undefined when one is unknown. */
function unencrypted(devices: Record<string, unknown>[], name: (d: Record<string, unknown>) => string): string[] | undefined {
  const verdicts = devices.map((d) => flag(d.encrypted));
  if (verdicts.includes(undefined)) return undefined;
  return devices.filter((_, i) => !verdicts[i]).map(name);
}

function report(out: Violation[], resource: Resource, names: string[] | undefined): void {
  if (names === undefined) out.push(undecided(resource, "whether its volumes are encrypted is known only after apply"));
  else if (names.length > 0) out.push(violation(resource, `has unencrypted volumes: ${names.join(", ")}`));
}

const deviceName = (d: Record<string, unknown>) => (typeof d.device_name === "string" ? d.device_name : "root");

export default defineRule({
  id: "LAB-EC2-2",
  title: "EC2 root and EBS volumes are encrypted",
  severity: "high",
  rationale:
    "An unencrypted volume, or any snapshot of it, can be read by whoever gets hold of it; encryption is free and cannot be added later without a copy.",
  fix: "Set encrypted = true on root_block_device and every ebs_block_device (instances, launch configurations), on every block_device_mappings ebs (launch templates) and on aws_ebs_volume.",
  equivalents: { checkov: ["CKV_AWS_8", "CKV_AWS_3"], cdkNag: ["AwsSolutions-EC26"] },
  check(model) {
    const out: Violation[] = [];
    for (const volume of model.ofType("aws_ebs_volume"))
      report(
        out,
        volume,
        unencrypted([volume.values], () => "the volume"),
      );
    for (const template of model.ofType("aws_launch_template")) {
      const mappings = readBlocks(template.values.block_device_mappings);
      const perMapping = mappings.blocks.map((m) => ({ mapping: m, ebs: readBlocks(m.ebs) }));
      const ebs = perMapping.flatMap(({ mapping, ebs }) => ebs.blocks.map((e) => ({ ...e, device_name: mapping.device_name })));
      // A mapping known only after apply may hold an unencrypted volume.
      report(out, template, mappings.unknown || perMapping.some((m) => m.ebs.unknown) ? undefined : unencrypted(ebs, deviceName));
    }
    for (const type of ["aws_instance", "aws_launch_configuration"]) {
      for (const launcher of model.ofType(type)) {
        const rootRead = readBlocks(launcher.values.root_block_device);
        const ebsRead = readBlocks(launcher.values.ebs_block_device);
        const root = rootRead.blocks;
        const devices = [...root.map((d) => ({ ...d, device_name: "root" })), ...ebsRead.blocks];
        const names = rootRead.unknown || ebsRead.unknown ? undefined : unencrypted(devices, deviceName);
        if (root.length === 0 && names !== undefined) {
          // No root device here: an instance's root then comes from its launch template's mappings.
          const template = type === "aws_instance" ? launchTemplateOf(model, launcher) : undefined;
          const templateEbs = template ? blocks(template.values.block_device_mappings).flatMap((m) => blocks(m.ebs)) : [];
          if (!templateEbs.some((e) => flag(e.encrypted) === true))
            names.unshift("root (no root_block_device with encrypted = true, nor a launch template that encrypts its volumes)");
        }
        report(out, launcher, names);
      }
    }
    return out;
  },
});
