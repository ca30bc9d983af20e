import { blocks, flag } from "../model";
import { defineRule, undecided, violation, Violation } from "../rule";

export default defineRule({
  id: "LAB-KDF-1",
  title: "Firehose delivery streams encrypt records at rest",
  severity: "high",
  rationale:
    "A direct-PUT delivery stream holds records for up to its buffer interval (and retries for up to a day); server-side encryption keeps them encrypted while they wait. Streams fed by Kinesis Data Streams or MSK are encrypted by their source, so the rule checks direct-PUT streams.",
  fix: 'Set server_side_encryption { enabled = true, key_type = "AWS_OWNED_CMK" } (or CUSTOMER_MANAGED_CMK with key_arn) on the delivery stream.',
  equivalents: { checkov: ["CKV_AWS_240"], cdkNag: ["AwsSolutions-KDF1"] },
  check(model) {
    const out: Violation[] = [];
    for (const stream of model.ofType("aws_kinesis_firehose_delivery_stream")) {
      if (blocks(stream.values.kinesis_source_configuration).length > 0 || blocks(stream.values.msk_source_configuration).length > 0) continue;
      const enabled = flag(blocks(stream.values.server_side_encryption)[0]?.enabled);
      if (enabled === undefined) out.push(undecided(stream, "server_side_encryption.enabled is known only after apply"));
      else if (!enabled) out.push(violation(stream, "does not enable server_side_encryption"));
    }
    return out;
  },
});
