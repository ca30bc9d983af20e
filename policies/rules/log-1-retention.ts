import { numberOf } from "../model";
import { defineRule, undecided, violation, Violation } from "../rule";

export default defineRule({
  id: "LAB-LOG-1",
  title: "CloudWatch log groups have a retention",
  severity: "low",
  rationale: "Without a retention, CloudWatch keeps (and bills) every log event forever, including any data a service logged by mistake.",
  fix: "Set retention_in_days on the log group to one of CloudWatch's allowed values (the lab uses LAB_LOG_RETENTION_DAYS, 14 by default).",
  equivalents: { checkov: ["CKV_AWS_66"], cdkNag: [] },
  check(model) {
    const out: Violation[] = [];
    for (const group of model.ofType("aws_cloudwatch_log_group")) {
      const days = numberOf(group.values.retention_in_days, 0);
      if (days === undefined) out.push(undecided(group, "retention_in_days is known only after apply"));
      else if (days <= 0) out.push(violation(group, "keeps its logs forever: retention_in_days is not set"));
    }
    return out;
  },
});
