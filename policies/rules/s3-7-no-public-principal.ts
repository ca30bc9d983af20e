import { describeStatement, isAnyone, readPolicy } from "../iam";
import { defineRule, undecided, violation, Violation } from "../rule";

export default defineRule({
  id: "LAB-S3-7",
  title: "S3 bucket policies allow nothing to every principal",
  severity: "critical",
  rationale:
    "An Allow statement with Principal \"*\" (or NotPrincipal) grants its actions to anyone on the internet, unless every public-access block happens to stop it.",
  fix: "Name the principals that need access (an account, role or service) instead of \"*\"; deny statements with Principal \"*\" (such as the TLS rule) are fine.",
  equivalents: { checkov: ["CKV_AWS_70"], cdkNag: [] },
  check(model) {
    const out: Violation[] = [];
    const sources = [
      ...model.ofType("aws_s3_bucket_policy").map((r) => ({ resource: r, value: r.values.policy })),
      ...model.ofType("aws_s3_bucket").map((r) => ({ resource: r, value: r.values.policy })),
    ];
    for (const { resource, value } of sources) {
      const read = readPolicy(model, resource, value);
      if ("unknown" in read) {
        out.push(undecided(resource, `its policy: ${read.unknown}`));
        continue;
      }
      read.statements.forEach((s, i) => {
        if (s.effect !== "Allow") return;
        if (s.principals.some(isAnyone)) out.push(violation(resource, `${describeStatement(s, i)} allows ${s.actions.join(", ")} to every principal ("*")`));
        else if (s.notPrincipals.length > 0) out.push(violation(resource, `${describeStatement(s, i)} allows ${s.actions.join(", ")} to everyone but its NotPrincipal`));
      });
    }
    return out;
  },
});
