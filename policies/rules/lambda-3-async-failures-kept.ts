import { isSet } from "../checks";
import { blocks, isUnresolved, Resource, TerraformModel } from "../model";
import { namesFunction } from "../relations";
import { defineRule, undecided, violation, Violation } from "../rule";

/**
 * Resources that make AWS invoke a function asynchronously (the caller does not wait, so a failed
 * event is only retried by Lambda, then dropped), and the attributes naming the function.
 */
const ASYNC_SOURCES: Record<string, (source: Resource) => unknown[]> = {
  aws_s3_bucket_notification: (n) => blocks(n.values.lambda_function).map((b) => b.lambda_function_arn),
  aws_sns_topic_subscription: (s) => (s.values.protocol === "lambda" || isUnresolved(s.values.protocol) ? [s.values.endpoint] : []),
  aws_cloudwatch_event_target: (t) => [t.values.arn],
};

/** The async sources that invoke `fn` for certain, and those that may (their target is known only after apply). */
function invokersOf(model: TerraformModel, fn: Resource): { certain: Resource[]; possible: Resource[] } {
  const certain: Resource[] = [];
  const possible: Resource[] = [];
  for (const [type, targets] of Object.entries(ASYNC_SOURCES)) {
    for (const source of model.ofType(type)) {
      const verdicts = targets(source).map((t) => namesFunction(model, source, t, fn));
      if (verdicts.includes("yes")) certain.push(source);
      else if (verdicts.includes("unknown")) possible.push(source);
    }
  }
  return { certain, possible };
}

/** Whether `fn` keeps its failed events: "yes", "no", or the invoke configs that may, when which function they configure is unknown. */
function keepsFailures(model: TerraformModel, fn: Resource): "yes" | "no" | Resource[] {
  if (isSet(blocks(fn.values.dead_letter_config)[0]?.target_arn)) return "yes";
  const possible: Resource[] = [];
  for (const config of model.ofType("aws_lambda_function_event_invoke_config")) {
    const onFailure = blocks(blocks(config.values.destination_config)[0]?.on_failure)[0]?.destination;
    if (!isSet(onFailure)) continue;
    const names = namesFunction(model, config, config.values.function_name, fn);
    const qualifier = config.values.qualifier;
    // Sources invoke the unqualified function, which only an unqualified (or $LATEST) configuration covers.
    const unqualified = qualifier === undefined || qualifier === null || qualifier === "" || qualifier === "$LATEST";
    if (names === "yes" && unqualified) return "yes";
    if (names === "unknown" || (names === "yes" && isUnresolved(qualifier))) possible.push(config);
  }
  return possible.length > 0 ? possible : "no";
}

const addresses = (resources: Resource[]) => resources.map((r) => r.address).join(", ");

export default defineRule({
  id: "LAB-LAMBDA-3",
  title: "Asynchronously invoked Lambda functions keep the events that fail",
  severity: "medium",
  rationale:
    "S3 notifications, SNS subscriptions and EventBridge rules invoke a function asynchronously: when every retry fails, Lambda drops the event unless it has an on-failure destination or a dead-letter queue, so an object or message is lost without a trace.",
  fix: "Add an aws_lambda_function_event_invoke_config for the function with destination_config { on_failure { destination = <SQS queue, SNS topic, bucket or function ARN> } } (and let the function's role send to it), or set dead_letter_config { target_arn } on the function.",
  equivalents: { checkov: ["CKV_AWS_116"], cdkNag: [] },
  check(model) {
    const out: Violation[] = [];
    for (const fn of model.ofType("aws_lambda_function")) {
      const { certain, possible } = invokersOf(model, fn);
      if (certain.length === 0 && possible.length === 0) continue;
      const kept = keepsFailures(model, fn);
      if (kept === "yes") continue;
      if (kept !== "no") out.push(undecided(fn, `${addresses(kept)} may give it an on-failure destination, but which function or qualifier they configure is known only after apply`));
      else if (certain.length === 0) out.push(undecided(fn, `${addresses(possible)} may invoke it asynchronously, but which function they target is known only after apply`));
      else out.push(violation(fn, `is invoked asynchronously by ${addresses(certain)} but has no on-failure destination or dead_letter_config: an event that fails every retry is dropped`));
    }
    return out;
  },
});
