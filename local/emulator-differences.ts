/**
 * Every way the local run answers differently from AWS, in one list, each with its cause (checked
 * in moto 5.2.1's source) and what the lab does about it. The lifecycle test
 * (__tests__/local-lifecycle.test.ts) proves that a second plan after apply differs from the
 * configuration in exactly the `planChange` entries below and in nothing else.
 */

export interface PlanDifference {
  /** The resource type Terraform plans to change. */
  readonly type: string;
  /** Terraform's actions for it (["update"], ["delete", "create"]). */
  readonly actions: readonly string[];
  /** The top-level attributes whose value differs (update), or Terraform's replace_paths roots (replace). */
  readonly attributes: readonly string[];
}

export interface EmulatorDifference {
  readonly id: string;
  /** What differs from AWS. */
  readonly what: string;
  /** Why, in moto's (or this project's emulation's) terms. */
  readonly cause: string;
  /** What the lab does about it. */
  readonly handling: string;
  /** Set when the difference shows in a plan after apply. */
  readonly planChange?: PlanDifference;
}

export const EMULATOR_DIFFERENCES: readonly EmulatorDifference[] = [
  {
    id: "s3-secure-transport",
    what: "a bucket policy denying aws:SecureTransport = false denies every object request, over TLS too",
    cause: "moto evaluates bucket policies with no request context, and its condition code treats a Bool condition as met",
    handling:
      "local/moto_launcher.py evaluates aws:SecureTransport from the request's scheme (and a statement whose condition is not met does not apply); the lifecycle test proves plain HTTP is denied and HTTPS allowed",
  },
  {
    id: "s3-policy-object-requests-only",
    what: "bucket policies are enforced on object requests only; bucket requests (ListObjectsV2, ...) are allowed over plain HTTP",
    cause: "moto checks the bucket policy in its object handler only",
    handling: "every client of the local run uses HTTPS; the TLS-only proof is made on object requests",
  },
  {
    id: "s3-denied-without-body",
    what: "a request a bucket policy denies gets an HTTP 403 with an empty body, not an AccessDenied error document",
    cause: 'moto\'s object handler returns `403, {}, ""` for a denied request',
    handling: "the lifecycle test checks the status code",
  },
  {
    id: "s3-notifications-to-lambda",
    what: "S3 notifications to a Lambda function are never delivered",
    cause: "moto runs functions only in Docker and drops the event silently when it cannot",
    handling:
      "the launcher keeps each event (with the fields AWS adds that moto leaves out: versionId, sequencer, identities, a UTC eventTime; and the key encoded as S3 does, keeping '/', which moto encodes as %2F) and local/lambda-service.ts delivers it as Lambda would",
  },
  {
    id: "lambda-runs-locally",
    what: "the function runs in a Node.js process on this machine (Node.js 20 here, nodejs22.x on Lambda), one execution environment at a time, with retries after 1 s and 2 s instead of about 1 and 2 minutes, and its logs in the run's folder instead of CloudWatch Logs",
    cause: "moto cannot run functions without Docker; the delays are shortened so a local run finishes in seconds",
    handling:
      "local/lambda-service.ts runs the deployment package Terraform uploaded (checked against CodeSha256) with the function's environment, memory and timeout, the invoke config's retries and on-failure queue",
  },
  {
    id: "lambda-code-location",
    what: "GetFunction's Code.Location is not downloadable",
    cause: "moto answers with a made-up S3 URL",
    handling: "the launcher points Code.Location at itself and serves the bytes moto received from Terraform",
  },
  {
    id: "firehose-no-buffering",
    what: "Firehose writes one S3 object per PutRecord(Batch) call at once: no buffering by size or interval, no compression, no error prefix",
    cause: "moto's Firehose ignores BufferingHints, CompressionFormat and ErrorOutputPrefix",
    handling: "the local run counts records, not objects; buffering and compression are proven by plan and policy tests only",
  },
  {
    id: "ec2-revoke-unknown-rule-id",
    what: "revoking a security group rule by an ID the group no longer holds answers InvalidPermission.NotFound, not InvalidSecurityGroupRuleId.NotFound",
    cause:
      "moto raises the revoke-by-permission form's error for both forms; the AWS provider tolerates only EC2's code there, so when the rule was already gone the default security group's apply failed",
    handling: "the launcher answers with EC2's code (tested against moto in __tests__/python-local) and logs each such revoke to local-aws.log",
  },
  {
    id: "retried-calls-answered-once",
    what: "a call the client retries after the server had answered it is answered with that first answer, not run again",
    cause:
      "under load the AWS provider sometimes never reads an answer moto's server has sent (the server logs it as sent; the cause is not found) and retries, so a create failed with EntityAlreadyExists and a revoke with NotFound; AWS loses answers rarely enough that the provider does not guard against it",
    handling:
      "the launcher keeps the answer of each call that changes something by its amz-sdk-invocation-id and answers a retry with it (tested in __tests__/python-local), logging each to local-aws.log",
  },
  {
    id: "iam-not-enforced",
    what: "IAM policies are stored but not enforced between services (a role missing an action still works)",
    cause: "moto checks no IAM permissions unless its authentication mode is on, and never between its own services",
    handling: "least privilege is proven by the policy pack and the IAM statement tests; only a real account enforces it",
  },
  {
    id: "launch-template-tags",
    what: "the launch template's tag_specifications gain a `launch-template` entry, so a second plan updates the template",
    cause: "moto copies the request's top-level TagSpecifications into the template's LaunchTemplateData",
    handling: "listed here; the lifecycle test allows exactly this change",
    planChange: { type: "aws_launch_template", actions: ["update"], attributes: ["latest_version", "tag_specifications"] },
  },
  {
    id: "instance-replaced",
    what: "the generator instance is replaced by a second plan",
    cause: "it follows the launch template's latest version, which the launch-template-tags difference changes",
    handling: "listed here; the lifecycle test allows exactly this change",
    planChange: { type: "aws_instance", actions: ["delete", "create"], attributes: ["launch_template"] },
  },
  {
    id: "lambda-logging-config",
    what: "the function's logging_config is read back empty, so a second plan updates the function",
    cause: "moto has no Lambda LoggingConfig: it neither stores nor returns it",
    handling: "listed here; the lifecycle test allows exactly this change",
    planChange: { type: "aws_lambda_function", actions: ["update"], attributes: ["logging_config"] },
  },
];
