import { describeStatement, readPolicy } from "../iam";
import { isUnresolved } from "../model";
import { identityPolicies } from "../relations";
import { defineRule, undecided, violation, Violation } from "../rule";

/** `*`, `*:*` and `service:*`; a pattern inside a service (`firehose:Get*`) is allowed. */
const isWildcardAction = (action: unknown) => typeof action === "string" && (action.trim() === "*" || /^[^:]*:\*+$/.test(action.trim()));

export default defineRule({
  id: "LAB-IAM-1",
  title: 'IAM policies allow no "*" or "service:*" actions',
  severity: "high",
  rationale:
    '"*" or "s3:*" grants every action a service has, including the ones added next year: deleting buckets, changing policies, reading every object. Least privilege names the actions.',
  fix: "List the actions the principal needs (e.g. firehose:PutRecord, firehose:PutRecordBatch); a pattern inside one service (firehose:Get*) is acceptable where AWS documents it.",
  equivalents: { checkov: ["CKV_AWS_62", "CKV_AWS_63"], cdkNag: ["AwsSolutions-IAM5"] },
  check(model) {
    const out: Violation[] = [];
    for (const source of identityPolicies(model)) {
      const read = readPolicy(model, source.resource, source.value);
      if ("unknown" in read) {
        out.push(undecided(source.resource, `its ${source.attribute}: ${read.unknown}`));
        continue;
      }
      read.statements.forEach((s, i) => {
        if (isUnresolved(s.effect)) out.push(undecided(source.resource, `the effect of ${describeStatement(s, i)}`));
        if (s.effect !== "Allow") return;
        const wildcards = s.actions.filter(isWildcardAction);
        if (wildcards.length > 0)
          out.push(
            violation(source.resource, `${describeStatement(s, i)} in ${source.attribute} allows ${wildcards.map((a) => JSON.stringify(a)).join(", ")}`),
          );
        if (s.notActions.length > 0)
          out.push(violation(source.resource, `${describeStatement(s, i)} in ${source.attribute} allows every action except its NotAction`));
        if (s.actions.some(isUnresolved)) out.push(undecided(source.resource, `the actions of ${describeStatement(s, i)} are known only after apply`));
      });
    }
    return out;
  },
});
