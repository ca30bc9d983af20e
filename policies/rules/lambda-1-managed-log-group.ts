import { isSet } from "../checks";
import { blocks, isUnresolved, Resource, TerraformModel } from "../model";
import { addressList, defineRule, undecided, violation, Violation } from "../rule";

/** `/aws/lambda/${aws_lambda_function.x.function_name}` (or `.id`, which is the name): the default group of function x. */
const DEFAULT_GROUP_OF_REFERENCE = /^\/aws\/lambda\/\$\{\s*aws_lambda_function\.[\w-]+\.(?:function_name|id)\s*\}$/;

/** The function a log group is named after by reference (`/aws/lambda/${aws_lambda_function.x.function_name}`), if it is. */
function namedAfter(model: TerraformModel, group: Resource): Resource | undefined {
  const name = group.values.name;
  if (typeof name !== "string" || !DEFAULT_GROUP_OF_REFERENCE.test(name)) return undefined;
  return model.referenced(group, name).find((r) => r.type === "aws_lambda_function");
}

/** A log group's name as far as it is known before apply: its literal name, or the default name of the function it is named after. */
function knownName(model: TerraformModel, group: Resource): string | undefined {
  const name = group.values.name;
  if (typeof name === "string" && !isUnresolved(name)) return name;
  const fnName = namedAfter(model, group)?.values.function_name;
  return typeof fnName === "string" && !isUnresolved(fnName) ? `/aws/lambda/${fnName}` : undefined;
}

export default defineRule({
  id: "LAB-LAMBDA-1",
  title: "Lambda functions log to a log group the configuration manages",
  severity: "low",
  rationale:
    "When no log group of the configuration receives a function's logs, Lambda creates /aws/lambda/<function name> itself at the first invocation, with no retention (kept and billed forever) and outside the stack's review; managing the group is what lets LAB-LOG-1 check its retention.",
  fix: "Add an aws_cloudwatch_log_group named /aws/lambda/<function_name> with retention_in_days, or point the function's logging_config { log_group } at a log group of the configuration.",
  equivalents: { checkov: [], cdkNag: [] },
  check(model) {
    const out: Violation[] = [];
    const groups = model.ofType("aws_cloudwatch_log_group").map((g) => ({ group: g, name: knownName(model, g) }));
    // Groups whose name is known only after apply: any of them may be the one a function logs to.
    const unreadable = groups.filter((g) => g.name === undefined).map((g) => g.group);
    const maybe = (fn: Resource, what: string) => undecided(fn, `${addressList(unreadable)} may be ${what}, but their names are known only after apply`);
    // Indexed once: the known names, the literal name texts, and the functions groups are named after by reference.
    const knownNames = new Set(groups.map((g) => g.name).filter((n) => n !== undefined));
    const nameTexts = new Set(groups.map((g) => g.group.values.name));
    const namedAfterFunction = new Set(groups.map((g) => namedAfter(model, g.group)).filter((fn) => fn !== undefined));
    for (const fn of model.ofType("aws_lambda_function")) {
      const chosen = blocks(fn.values.logging_config)[0]?.log_group;
      if (isSet(chosen)) {
        if (model.referenced(fn, chosen).some((r) => r.type === "aws_cloudwatch_log_group") || knownNames.has(chosen as string)) continue;
        if (isUnresolved(chosen)) out.push(undecided(fn, "logging_config.log_group is known only after apply"));
        else if (unreadable.length > 0) out.push(maybe(fn, String(chosen)));
        else out.push(violation(fn, `logs to ${String(chosen)} (logging_config.log_group), which is not a log group of this configuration`));
        continue;
      }
      const functionName = fn.values.function_name;
      const expected = `/aws/lambda/${String(functionName)}`;
      // Equal text also matches a name built from the same expression as the function's (`/aws/lambda/${var.name}`).
      if (knownNames.has(expected) || nameTexts.has(expected) || namedAfterFunction.has(fn)) continue;
      if (isUnresolved(functionName)) out.push(undecided(fn, "function_name is known only after apply, so its log group cannot be found"));
      else if (unreadable.length > 0) out.push(maybe(fn, expected));
      else out.push(violation(fn, `has no log group ${expected} in the configuration: Lambda will create one that keeps its logs forever`));
    }
    return out;
  },
});
