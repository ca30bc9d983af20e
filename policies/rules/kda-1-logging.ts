import { isSet } from "../checks";
import { blocks } from "../model";
import { defineRule, violation, Violation } from "../rule";

export default defineRule({
  id: "LAB-KDA-1",
  title: "Kinesis analytics applications log to CloudWatch",
  severity: "medium",
  rationale:
    "An analytics application that cannot read its input or write its output reports it only in its CloudWatch log; without one, records stop flowing and nothing says why.",
  fix: "Set cloudwatch_logging_options { log_stream_arn, role_arn } (SQL applications) or cloudwatch_logging_options { log_stream_arn } (aws_kinesisanalyticsv2_application) to a log stream with a retention.",
  equivalents: { checkov: [], cdkNag: [] },
  check(model) {
    const out: Violation[] = [];
    for (const app of model.ofType("aws_kinesis_analytics_application")) {
      const logging = blocks(app.values.cloudwatch_logging_options).at(0);
      if (!logging || !isSet(logging.log_stream_arn) || !isSet(logging.role_arn)) {
        out.push(violation(app, "has no cloudwatch_logging_options with a log_stream_arn and a role_arn"));
      }
    }
    for (const app of model.ofType("aws_kinesisanalyticsv2_application")) {
      const logging = blocks(app.values.cloudwatch_logging_options).at(0);
      if (!logging || !isSet(logging.log_stream_arn)) out.push(violation(app, "has no cloudwatch_logging_options with a log_stream_arn"));
    }
    return out;
  },
});
