import { isSet } from "../checks";
import { flag } from "../model";
import { defineRule, undecided, violation, Violation } from "../rule";

export default defineRule({
  id: "LAB-SQS-1",
  title: "SQS queues encrypt messages at rest",
  severity: "high",
  rationale:
    "A queue holds its messages (here: the events of failed invocations, with object keys) for up to 14 days; server-side encryption keeps them encrypted on disk. The configuration must say so: the provider does not check drift of an encryption setting the configuration leaves out.",
  fix: "Set sqs_managed_sse_enabled = true on the queue, or kms_master_key_id to a KMS key (then allow the senders kms:GenerateDataKey and kms:Decrypt on it).",
  equivalents: { checkov: ["CKV_AWS_27"], cdkNag: ["AwsSolutions-SQS2"] },
  check(model) {
    const out: Violation[] = [];
    for (const queue of model.ofType("aws_sqs_queue")) {
      if (isSet(queue.values.kms_master_key_id)) continue;
      const managed = queue.values.sqs_managed_sse_enabled;
      const enabled = flag(managed);
      if (enabled === undefined) out.push(undecided(queue, "sqs_managed_sse_enabled is known only after apply"));
      else if (enabled) continue;
      else if (managed === undefined || managed === null)
        out.push(violation(queue, "sets neither sqs_managed_sse_enabled = true nor a kms_master_key_id, leaving encryption to the account's default"));
      else out.push(violation(queue, "turns SQS-managed encryption off (sqs_managed_sse_enabled = false) and sets no kms_master_key_id"));
    }
    return out;
  },
});
