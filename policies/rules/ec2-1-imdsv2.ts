import { blocks, isUnresolved, numberOf, Resource } from "../model";
import { launchTemplateOf } from "../relations";
import { defineRule, undecided, violation, Violation } from "../rule";

const MAX_HOP_LIMIT = 2;

/** undefined when fine; a problem; or null when the block does not decide (not configured). */
function judge(resource: Resource, options: Record<string, unknown> | undefined): Violation | undefined | null {
  if (!options) return null;
  const { http_endpoint: endpoint, http_tokens: tokens } = options;
  if (endpoint === "disabled") return undefined;
  if (isUnresolved(tokens) || isUnresolved(endpoint)) return undecided(resource, "metadata_options are known only after apply");
  if (tokens === undefined || tokens === null) return null;
  if (tokens !== "required") return violation(resource, `allows IMDSv1: metadata_options.http_tokens is ${JSON.stringify(tokens)}, not "required"`);
  const hops = numberOf(options.http_put_response_hop_limit);
  if (options.http_put_response_hop_limit !== undefined && options.http_put_response_hop_limit !== null) {
    if (hops === undefined) return undecided(resource, "metadata_options.http_put_response_hop_limit is known only after apply");
    if (hops > MAX_HOP_LIMIT) return violation(resource, `lets metadata tokens travel ${hops} network hops (http_put_response_hop_limit > ${MAX_HOP_LIMIT})`);
  }
  return undefined;
}

export default defineRule({
  id: "LAB-EC2-1",
  title: "EC2 instances and launch templates require IMDSv2, with a hop limit of at most 2",
  severity: "high",
  rationale:
    "IMDSv1 answers any request from the instance, so one server-side request forgery leaks the instance role's credentials; IMDSv2's session tokens stop that, and a low hop limit keeps tokens from leaving the host.",
  fix: 'Set metadata_options { http_endpoint = "enabled", http_tokens = "required", http_put_response_hop_limit = 1 } (2 for containers) on the launch template and the instance.',
  equivalents: { checkov: ["CKV_AWS_79", "CKV_AWS_341"], cdkNag: [] },
  check(model) {
    const out: Violation[] = [];
    for (const type of ["aws_launch_template", "aws_launch_configuration"]) {
      for (const template of model.ofType(type)) {
        const found = judge(template, blocks(template.values.metadata_options)[0]);
        if (found === null) out.push(violation(template, 'does not require IMDSv2: no metadata_options.http_tokens = "required"'));
        else if (found) out.push(found);
      }
    }
    for (const instance of model.ofType("aws_instance")) {
      const own = judge(instance, blocks(instance.values.metadata_options)[0]);
      if (own !== null) {
        if (own) out.push(own);
        continue;
      }
      // Not set on the instance: it takes its launch template's (checked above).
      const template = launchTemplateOf(model, instance);
      if (template && judge(template, blocks(template.values.metadata_options)[0]) !== null) continue;
      out.push(violation(instance, 'does not require IMDSv2: no metadata_options.http_tokens = "required" on the instance or its launch template'));
    }
    return out;
  },
});
