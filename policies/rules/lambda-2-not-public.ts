import { isSet } from "../checks";
import { isUnresolved } from "../model";
import { defineRule, undecided, violation, Violation } from "../rule";

/** The arguments that turn a grant into a condition Lambda checks on every call (aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID). */
const SOURCE_CONDITIONS = ["source_arn", "source_account", "principal_org_id"] as const;
const NO_CONDITION = "no source_arn, source_account or principal_org_id";

export default defineRule({
  id: "LAB-LAMBDA-2",
  title: "Lambda functions cannot be invoked by everyone",
  severity: "critical",
  rationale:
    "A function URL with authorization NONE, or a permission granting principal \"*\" with no source condition, lets anyone on the internet (or any AWS account) run the function on the account's bill and with its role's permissions.",
  fix: 'Give function URLs authorization_type = "AWS_IAM"; grant aws_lambda_permission to the one service or account that invokes the function (principal = "s3.amazonaws.com" with source_arn and source_account), or keep principal "*" only with principal_org_id.',
  equivalents: { checkov: ["CKV_AWS_258", "CKV_AWS_301"], cdkNag: [] },
  check(model) {
    const out: Violation[] = [];
    for (const url of model.ofType("aws_lambda_function_url")) {
      const auth = url.values.authorization_type;
      if (isUnresolved(auth)) out.push(undecided(url, "authorization_type is known only after apply"));
      else if (auth === "NONE") out.push(violation(url, "has authorization_type NONE: anyone who learns the URL can call the function"));
    }
    for (const permission of model.ofType("aws_lambda_permission")) {
      // A condition on "*" limits nothing.
      if (SOURCE_CONDITIONS.some((c) => isSet(permission.values[c]) && permission.values[c] !== "*")) continue;
      const principal = permission.values.principal;
      const action = String(permission.values.action);
      // Known only after apply: a reference to a resource of the configuration (a role's ARN) is never "*"; anything else may be.
      if (isUnresolved(principal)) {
        if (model.referenced(permission, principal).length === 0)
          out.push(undecided(permission, `its principal is known only after apply, with ${NO_CONDITION} to limit ${action}`));
      } else if (principal === "*") out.push(violation(permission, `grants ${action} to every principal ("*") with ${NO_CONDITION}`));
    }
    return out;
  },
});
