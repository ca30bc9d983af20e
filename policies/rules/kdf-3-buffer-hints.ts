import { FIREHOSE_BUFFER_INTERVAL_SECONDS, FIREHOSE_BUFFER_SIZE_MIB } from "../../aws/limits";
import { blocks, flag, numberOf, readBlocks } from "../model";
import { defineRule, undecided, violation, Violation } from "../rule";

/** Firehose needs at least this much buffer when it converts record formats or partitions dynamically. */
const MIN_BUFFER_MIB_CONVERTING = 64;

export default defineRule({
  id: "LAB-KDF-3",
  title: "Firehose S3 buffer hints are within the service's limits",
  severity: "medium",
  rationale:
    "Firehose accepts a buffer of 1-128 MiB and 0-900 s for S3, and at least 64 MiB when it converts record formats or partitions dynamically; a value outside that fails at deploy time, or (through another tool) silently changes delivery.",
  fix: `Set buffering_size to ${FIREHOSE_BUFFER_SIZE_MIB.min}-${FIREHOSE_BUFFER_SIZE_MIB.max} MiB (at least ${MIN_BUFFER_MIB_CONVERTING} with format conversion or dynamic partitioning) and buffering_interval to ${FIREHOSE_BUFFER_INTERVAL_SECONDS.min}-${FIREHOSE_BUFFER_INTERVAL_SECONDS.max} s.`,
  equivalents: { checkov: [], cdkNag: [] },
  check(model) {
    const out: Violation[] = [];
    for (const stream of model.ofType("aws_kinesis_firehose_delivery_stream")) {
      // A destination configuration written as an expression may hold any hints.
      const destinations = Object.entries(stream.values)
        .filter(([k]) => k.endsWith("_configuration"))
        .map(([, v]) => readBlocks(v));
      if (destinations.some((d) => d.unknown || d.blocks.some((c) => readBlocks(c.s3_configuration).unknown))) {
        out.push(undecided(stream, "its destination configuration is known only after apply"));
        continue;
      }
      const s3Configs = [
        ...blocks(stream.values.extended_s3_configuration),
        ...Object.entries(stream.values)
          .filter(([k]) => k.endsWith("_configuration"))
          .flatMap(([, v]) => blocks(v).flatMap((c) => blocks(c.s3_configuration))),
      ];
      for (const config of s3Configs) {
        // The provider's defaults when the hints are not set.
        const size = numberOf(config.buffering_size, 5);
        const interval = numberOf(config.buffering_interval, 300);
        const converting = blocks(config.data_format_conversion_configuration).some((c) => flag(c.enabled, true) !== false);
        const partitioning = blocks(config.dynamic_partitioning_configuration).some((c) => flag(c.enabled) !== false);
        if (size === undefined || interval === undefined) {
          out.push(undecided(stream, "its buffer hints are known only after apply"));
          continue;
        }
        const problems: string[] = [];
        const min = converting || partitioning ? MIN_BUFFER_MIB_CONVERTING : FIREHOSE_BUFFER_SIZE_MIB.min;
        if (!Number.isInteger(size) || size < min || size > FIREHOSE_BUFFER_SIZE_MIB.max) {
          const why = min === MIN_BUFFER_MIB_CONVERTING ? ` (it ${converting ? "converts record formats" : "partitions dynamically"})` : "";
          problems.push(`buffering_size ${size} MiB is outside ${min}-${FIREHOSE_BUFFER_SIZE_MIB.max} MiB${why}`);
        }
        if (!Number.isInteger(interval) || interval < FIREHOSE_BUFFER_INTERVAL_SECONDS.min || interval > FIREHOSE_BUFFER_INTERVAL_SECONDS.max) {
          problems.push(`buffering_interval ${interval} s is outside ${FIREHOSE_BUFFER_INTERVAL_SECONDS.min}-${FIREHOSE_BUFFER_INTERVAL_SECONDS.max} s`);
        }
        if (problems.length > 0) out.push(violation(stream, problems.join("; ")));
      }
    }
    return out;
  },
});
