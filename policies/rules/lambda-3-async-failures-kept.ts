import { isSet } from "../checks";
import { append, blocks, isUnresolved, readBlocks, Resource, TerraformModel } from "../model";
import { functionsNamed } from "../relations";
import { ADDRESSES_SHOWN, addressList, defineRule, undecided, violation, Violation } from "../rule";

/**
 * Resources that make AWS invoke a function asynchronously (the caller does not wait, so a failed
 * event is only retried by Lambda, then dropped), and the attributes naming the function.
 */
const ASYNC_SOURCES: Record<string, (source: Resource) => unknown[]> = {
  // Notification blocks written as an expression may name any function: the expression is the target.
  aws_s3_bucket_notification: (n) => {
    const written = readBlocks(n.values.lambda_function);
    return [...written.blocks.map((b) => b.lambda_function_arn), ...(written.unknown ? [n.values.lambda_function] : [])];
  },
  aws_sns_topic_subscription: (s) => (s.values.protocol === "lambda" || isUnresolved(s.values.protocol) ? [s.values.endpoint] : []),
  aws_cloudwatch_event_target: (t) => [t.values.arn],
};

/** Who may invoke each function asynchronously: for certain (by function), and the sources whose target is known only after apply (any function). */
function asyncInvokers(model: TerraformModel): { certain: Map<Resource, Resource[]>; anyFunction: Resource[] } {
  const certain = new Map<Resource, Resource[]>();
  const anyFunction: Resource[] = [];
  for (const [type, targets] of Object.entries(ASYNC_SOURCES)) {
    for (const source of model.ofType(type)) {
      const reads = targets(source).map((t) => functionsNamed(model, source, t));
      for (const fn of new Set(reads.flatMap((r) => r.named))) append(certain, fn, source);
      if (reads.some((r) => r.unknown)) anyFunction.push(source);
    }
  }
  return { certain, anyFunction };
}

/**
 * The functions whose failed events an unqualified invoke config keeps, and the configs that may
 * keep them: for one function (its qualifier is known only after apply), or for any (which
 * function is). The two lists of a function never share a config, and each is in model order.
 */
function failureDestinations(model: TerraformModel): { kept: Set<Resource>; maybe: Map<Resource, Resource[]>; anyFunction: Resource[] } {
  const kept = new Set<Resource>();
  const maybe = new Map<Resource, Resource[]>();
  const anyFunction: Resource[] = [];
  for (const config of model.ofType("aws_lambda_function_event_invoke_config")) {
    const onFailure = blocks(blocks(config.values.destination_config)[0]?.on_failure)[0]?.destination;
    if (!isSet(onFailure)) continue;
    const { named, unknown } = functionsNamed(model, config, config.values.function_name);
    const qualifier = config.values.qualifier;
    // Sources invoke the unqualified function, which only an unqualified (or $LATEST) configuration covers.
    const unqualified = qualifier === undefined || qualifier === null || qualifier === "" || qualifier === "$LATEST";
    for (const fn of named) {
      if (unqualified) kept.add(fn);
      else if (isUnresolved(qualifier)) append(maybe, fn, config);
    }
    if (unknown) anyFunction.push(config);
  }
  return { kept, maybe, anyFunction };
}

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
    const invokers = asyncInvokers(model);
    const destinations = failureDestinations(model);
    const position = new Map(model.ofType("aws_lambda_function_event_invoke_config").map((r, i) => [r, i]));
    for (const fn of model.ofType("aws_lambda_function")) {
      const certain = invokers.certain.get(fn) ?? [];
      if (certain.length === 0 && invokers.anyFunction.length === 0) continue;
      if (isSet(blocks(fn.values.dead_letter_config)[0]?.target_arn) || destinations.kept.has(fn)) continue;
      const maybe = destinations.maybe.get(fn) ?? [];
      const kept = maybe.length + destinations.anyFunction.length;
      if (kept > 0) {
        const first = mergedHead(maybe, destinations.anyFunction, position, ADDRESSES_SHOWN);
        out.push(
          undecided(
            fn,
            `${addressList(first, kept)} may give it an on-failure destination, but which function or qualifier they configure is known only after apply`,
          ),
        );
      } else if (certain.length === 0) {
        out.push(undecided(fn, `${addressList(invokers.anyFunction)} may invoke it asynchronously, but which function they target is known only after apply`));
      } else {
        out.push(
          violation(
            fn,
            `is invoked asynchronously by ${addressList(certain)} but has no on-failure destination or dead_letter_config: an event that fails every retry is dropped`,
          ),
        );
      }
    }
    return out;
  },
});

/** The first `n` of two lists in model order (each already in it), without copying either. */
function mergedHead(a: readonly Resource[], b: readonly Resource[], position: Map<Resource, number>, n: number): Resource[] {
  const out: Resource[] = [];
  let i = 0;
  let j = 0;
  while (out.length < n && (i < a.length || j < b.length)) {
    if (j >= b.length || (i < a.length && position.get(a[i])! < position.get(b[j])!)) out.push(a[i++]);
    else out.push(b[j++]);
  }
  return out;
}
