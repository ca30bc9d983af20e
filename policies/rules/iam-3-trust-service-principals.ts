import { describeStatement, isAnyone, readPolicy } from "../iam";
import { isUnresolved } from "../model";
import { defineRule, undecided, violation, Violation } from "../rule";

/** A service principal such as `firehose.amazonaws.com` (also in the China partition), without wildcards. */
const SERVICE_PRINCIPAL = /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$/;

export default defineRule({
  id: "LAB-IAM-3",
  title: 'IAM roles trust only specific AWS service principals, never "*"',
  severity: "critical",
  rationale:
    'A trust policy decides who can become the role: "*" lets any AWS account assume it, and an account or federated principal reaches beyond this stack. Each role here is for one AWS service.',
  fix: 'Make the trust policy\'s Principal { Service = "<service>.amazonaws.com" } for the one service that uses the role; for a deliberate cross-account or federated role, suppress with the reason.',
  equivalents: { checkov: ["CKV_AWS_60"], cdkNag: [] },
  check(model) {
    const out: Violation[] = [];
    for (const role of model.ofType("aws_iam_role")) {
      const read = readPolicy(model, role, role.values.assume_role_policy);
      if ("unknown" in read) {
        out.push(undecided(role, `its assume_role_policy: ${read.unknown}`));
        continue;
      }
      read.statements.forEach((s, i) => {
        if (s.effect !== "Allow") return;
        const name = describeStatement(s, i);
        if (s.notPrincipals.length > 0) out.push(violation(role, `${name} trusts everyone but its NotPrincipal`));
        for (const p of s.principals) {
          if (isAnyone(p) || (typeof p.id === "string" && p.id.includes("*")))
            out.push(violation(role, `${name} trusts any principal (${p.type} ${JSON.stringify(p.id)})`));
          else if (isUnresolved(p.id)) out.push(undecided(role, `the principal of ${name} is known only after apply`));
          else if (p.type !== "Service") out.push(violation(role, `${name} trusts the ${p.type} principal ${JSON.stringify(p.id)}, not an AWS service`));
          else if (typeof p.id !== "string" || !SERVICE_PRINCIPAL.test(p.id))
            out.push(violation(role, `${name} trusts ${JSON.stringify(p.id)}, which is not an AWS service principal`));
        }
      });
    }
    return out;
  },
});
