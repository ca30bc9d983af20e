import { isSet } from "../checks";
import { blocks, flag, isUnresolved } from "../model";
import { defineRule, undecided, violation, Violation } from "../rule";

export default defineRule({
  id: "LAB-KDF-2",
  title: "Firehose delivery streams log delivery errors to CloudWatch and keep failed records under an error prefix",
  severity: "medium",
  rationale:
    "Firehose retries and then gives up quietly: without error logging nobody learns that delivery fails, and without an error output prefix failed records are mixed into the data or lost from view.",
  fix: 'In the destination configuration set cloudwatch_logging_options { enabled = true, log_group_name, log_stream_name } and error_output_prefix (e.g. "errors/!{firehose:error-output-type}/").',
  equivalents: { checkov: [], cdkNag: [] },
  check(model) {
    const out: Violation[] = [];
    for (const stream of model.ofType("aws_kinesis_firehose_delivery_stream")) {
      const destination = stream.values.destination;
      if (isUnresolved(destination)) {
        out.push(undecided(stream, "its destination is known only after apply"));
        continue;
      }
      const config = blocks(stream.values[`${String(destination)}_configuration`]).at(0);
      if (!config) {
        out.push(violation(stream, `has no ${String(destination)}_configuration to log errors from`));
        continue;
      }
      const logging = blocks(config.cloudwatch_logging_options).at(0);
      const enabled = flag(logging?.enabled);
      const problems: string[] = [];
      if (enabled === undefined) {
        out.push(undecided(stream, "cloudwatch_logging_options.enabled is known only after apply"));
        continue;
      }
      if (!enabled) problems.push("does not log delivery errors to CloudWatch (cloudwatch_logging_options.enabled)");
      else if (!isSet(logging?.log_group_name) || !isSet(logging?.log_stream_name)) problems.push("enables error logging without a log group and log stream");
      // Only S3 destinations write failed records under an error prefix: their own, or their S3 backup's.
      const s3 = destination === "extended_s3" ? config : blocks(config.s3_configuration).at(0);
      if (s3 && !isSet(s3.error_output_prefix)) problems.push("sets no error_output_prefix, so failed records land among the data");
      if (problems.length > 0) out.push(violation(stream, problems.join("; ")));
    }
    return out;
  },
});
