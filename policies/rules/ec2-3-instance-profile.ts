import { isSet } from "../checks";
import { blocks } from "../model";
import { launchTemplateOf } from "../relations";
import { defineRule, violation, Violation } from "../rule";

export default defineRule({
  id: "LAB-EC2-3",
  title: "EC2 instances have an instance profile",
  severity: "medium",
  rationale:
    "Without an instance profile, software on the instance gets AWS access only through long-lived keys typed into it (as the 2019 lab did); a role gives short-lived, scoped credentials instead.",
  fix: "Set iam_instance_profile on the instance, or iam_instance_profile { arn } on its launch template, naming a profile whose role allows only what the instance needs.",
  equivalents: { checkov: ["CKV2_AWS_41"], cdkNag: [] },
  check(model) {
    const out: Violation[] = [];
    for (const instance of model.ofType("aws_instance")) {
      if (isSet(instance.values.iam_instance_profile)) continue;
      const profile = blocks(launchTemplateOf(model, instance)?.values.iam_instance_profile).at(0);
      if (profile && (isSet(profile.arn) || isSet(profile.name))) continue;
      out.push(violation(instance, "has no instance profile (iam_instance_profile), on the instance or its launch template"));
    }
    return out;
  },
});
