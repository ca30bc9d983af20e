import { deniesInsecureTransport, readPolicy, Statement } from "../iam";
import { isUnresolved, Resource, TerraformModel, Unknown } from "../model";
import { queuePolicies } from "../relations";
import { defineRule, undecided, violation, Violation } from "../rule";

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
  fix: "Attach an aws_sqs_queue_policy (queue_url = the queue's url) with a statement: Effect Deny, Principal \"*\", Action \"sqs:*\", Resource the queue's ARN, Condition Bool aws:SecureTransport = \"false\".",
  equivalents: { checkov: [], cdkNag: ["AwsSolutions-SQS4"] },
  check(model) {
    const out: Violation[] = [];
    for (const queue of model.ofType("aws_sqs_queue")) {
      const { sources, unresolved } = queuePolicies(model, queue);
      let denied = false;
      let unknown: string | undefined;
      for (const source of sources) {
        const read = readPolicy(model, source.resource, source.value);
        if ("unknown" in read) unknown ??= `the policy in ${source.resource.address}.${source.attribute}: ${read.unknown}`;
        else if (read.statements.some((s) => deniesInsecureAccess(model, source.resource, queue, s))) denied = true;
        else if (read.statements.some((s) => [s.effect, ...s.actions, ...s.resources, ...s.principals.map((p) => p.id)].some((v) => v instanceof Unknown))) {
          unknown ??= `a statement of ${source.resource.address} has values known only after apply`;
        }
      }
      if (denied) continue;
      if (unknown) out.push(undecided(queue, unknown));
      else if (sources.length === 0 && unresolved.length > 0) out.push(undecided(queue, `${unresolved.map((r) => r.address).join(", ")} may be its policy, but which queue they name is known only after apply`));
      else if (sources.length === 0) out.push(violation(queue, "has no queue policy, so requests without TLS are allowed"));
      else {
        const names = sources.map((s) => s.resource.address).join(", ");
        out.push(violation(queue, `its policy (${names}) has no statement denying sqs:* to everyone on the queue when aws:SecureTransport is false`));
      }
    }
    return out;
  },
});
