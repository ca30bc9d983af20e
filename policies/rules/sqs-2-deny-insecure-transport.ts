import { checkInsecureTransportDenied } from "../checks";
import { deniesInsecureTransport, Statement } from "../iam";
import { isUnresolved, Resource, TerraformModel } from "../model";
import { queuePolicies } from "../relations";
import { defineRule } from "../rule";

/** Whether a policy Resource entry names the queue: a reference to it, or its literal ARN. */
function namesQueue(model: TerraformModel, from: Resource, queue: Resource, resource: unknown): boolean {
  if (typeof resource !== "string") return false;
  if (model.referenced(from, resource).includes(queue)) return true;
  const name = queue.values.name;
  return typeof name === "string" && !isUnresolved(name) && /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:/.test(resource) && resource.split(":").pop() === name;
}

const deniesInsecureAccess = (model: TerraformModel, from: Resource, queue: Resource, s: Statement) =>
  deniesInsecureTransport(s, "sqs") && s.resources.some((r) => namesQueue(model, from, queue, r));

export default defineRule({
  id: "LAB-SQS-2",
  title: "SQS queue policies deny requests without TLS",
  severity: "high",
  rationale:
    "SQS answers plain HTTP too; only a queue policy that denies aws:SecureTransport = false guarantees that no client sends or reads messages unencrypted in transit.",
  fix: 'Attach an aws_sqs_queue_policy (queue_url = the queue\'s url) with a statement: Effect Deny, Principal "*", Action "sqs:*", Resource the queue\'s ARN, Condition Bool aws:SecureTransport = "false".',
  equivalents: { checkov: [], cdkNag: ["AwsSolutions-SQS4"] },
  check(model) {
    return checkInsecureTransportDenied(model, model.ofType("aws_sqs_queue"), {
      noun: "queue",
      policiesOf: queuePolicies,
      denies: deniesInsecureAccess,
      denial: "denying sqs:* to everyone on the queue",
    });
  },
});
