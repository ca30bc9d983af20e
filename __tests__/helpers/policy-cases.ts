/**
 * A passing and a failing case for every rule of the policy pack, built in code. Each failing
 * case breaks exactly its own rule (everything else about it is clean), and returns the resources
 * the rule must flag; each passing case breaks nothing. All of them go into ONE stack, so one
 * synth and one offline plan prove every rule on both kinds of input. (Cases only synthesized JSON
 * can hold, and those whose deciding value is a Terraform variable, go into small synth-only stacks.)
 */
import { TerraformStack, TerraformVariable } from "cdktf";
import { Construct, IConstruct } from "constructs";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { EbsVolume } from "@cdktf/provider-aws/lib/ebs-volume";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole, IamRoleConfig } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Instance, InstanceConfig } from "@cdktf/provider-aws/lib/instance";
import { KinesisAnalyticsApplication } from "@cdktf/provider-aws/lib/kinesis-analytics-application";
import { Kinesisanalyticsv2Application } from "@cdktf/provider-aws/lib/kinesisanalyticsv2-application";
import {
  KinesisFirehoseDeliveryStream,
  KinesisFirehoseDeliveryStreamConfig,
  KinesisFirehoseDeliveryStreamExtendedS3Configuration,
} from "@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream";
import { LambdaFunction, LambdaFunctionConfig } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { LambdaFunctionUrl } from "@cdktf/provider-aws/lib/lambda-function-url";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { LaunchTemplate, LaunchTemplateConfig } from "@cdktf/provider-aws/lib/launch-template";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketNotification } from "@cdktf/provider-aws/lib/s3-bucket-notification";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { SecurityGroup, SecurityGroupConfig } from "@cdktf/provider-aws/lib/security-group";
import { SecurityGroupRule } from "@cdktf/provider-aws/lib/security-group-rule";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { SqsQueue, SqsQueueConfig } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { ensureSuppressionsOutput, suppressPolicy } from "../../policy-aspect/suppress-policy";

export interface PolicyCase {
  /** Builds resources that pass this rule and every other. */
  pass(scope: Construct): void;
  /** Builds resources that fail this rule and no other; returns the ones it must flag. */
  fail(scope: Construct): IConstruct[];
  /** Failing cases the AWS provider itself refuses at plan: checked on synthesized JSON only. */
  synthOnly?: { readonly why: string; fail(scope: Construct): IConstruct[] };
  /**
   * Cases whose deciding value is a Terraform variable (known only at plan): in synthesized JSON
   * the rule must report each returned resource as undecided, never let it pass.
   */
  undecided?(scope: Construct): IConstruct[];
}

const ROLE_ARN = "arn:aws:iam::111122223333:role/policy-cases";
const DATA_BUCKET_ARN = "arn:aws:s3:::policy-cases-data";
const policy = (...statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const trust = (service: string) => policy({ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" });

// ---- S3 -------------------------------------------------------------------------------------------

type BucketPart = "encryption" | "publicAccessBlock" | "ownership" | "versioning" | "policy" | "lifecycle";

/** A bucket with everything the S3 rules ask for, minus `omit`, with parts replaced by `replace`. */
function bucket(
  scope: Construct,
  id: string,
  omit: BucketPart[] = [],
  replace: Partial<Record<BucketPart, (b: S3Bucket, s: Construct) => void>> = {},
): S3Bucket {
  const s = new Construct(scope, id);
  const b = new S3Bucket(s, "bucket", { bucketPrefix: "policy-cases-" });
  const parts: Record<BucketPart, () => void> = {
    encryption: () =>
      new S3BucketServerSideEncryptionConfigurationA(s, "encryption", {
        bucket: b.id,
        rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      }),
    publicAccessBlock: () =>
      new S3BucketPublicAccessBlock(s, "public-access-block", {
        bucket: b.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      }),
    ownership: () => new S3BucketOwnershipControls(s, "ownership", { bucket: b.id, rule: { objectOwnership: "BucketOwnerEnforced" } }),
    versioning: () => new S3BucketVersioningA(s, "versioning", { bucket: b.id, versioningConfiguration: { status: "Enabled" } }),
    policy: () => new S3BucketPolicy(s, "policy", { bucket: b.id, policy: policy(denyInsecure(b)) }),
    lifecycle: () =>
      new S3BucketLifecycleConfiguration(s, "lifecycle", {
        bucket: b.id,
        rule: [{ id: "abort-uploads", status: "Enabled", filter: [{ prefix: "" }], abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }] }],
      }),
  };
  for (const [name, make] of Object.entries(parts) as [BucketPart, () => void][]) {
    if (replace[name]) replace[name](b, s);
    else if (!omit.includes(name)) make();
  }
  return b;
}

const denyInsecure = (b: S3Bucket, resources = [b.arn, `${b.arn}/*`]) => ({
  Sid: "DenyInsecureTransport",
  Effect: "Deny",
  Principal: "*",
  Action: "s3:*",
  Resource: resources,
  Condition: { Bool: { "aws:SecureTransport": "false" } },
});

// ---- Firehose ---------------------------------------------------------------------------------

function stream(
  scope: Construct,
  id: string,
  s3: Partial<KinesisFirehoseDeliveryStreamExtendedS3Configuration> = {},
  rest: Partial<KinesisFirehoseDeliveryStreamConfig> = {},
) {
  const name = `policy-cases-${id}`;
  return new KinesisFirehoseDeliveryStream(scope, id, {
    name,
    destination: "extended_s3",
    serverSideEncryption: { enabled: true, keyType: "AWS_OWNED_CMK" },
    extendedS3Configuration: {
      bucketArn: DATA_BUCKET_ARN,
      roleArn: ROLE_ARN,
      prefix: `${id}/`,
      errorOutputPrefix: `errors/${id}/`,
      bufferingSize: 5,
      bufferingInterval: 300,
      cloudwatchLoggingOptions: { enabled: true, logGroupName: `/aws/kinesisfirehose/${name}`, logStreamName: "DestinationDelivery" },
      ...s3,
    },
    ...rest,
  });
}

const formatConversion = {
  dataFormatConversionConfiguration: {
    inputFormatConfiguration: { deserializer: { openXJsonSerDe: {} } },
    outputFormatConfiguration: { serializer: { parquetSerDe: {} } },
    schemaConfiguration: { databaseName: "policy_cases", tableName: "events", roleArn: ROLE_ARN },
  },
};

// ---- EC2 and network ----------------------------------------------------------------------------

const METADATA = { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 };

function launchTemplate(scope: Construct, id: string, config: Partial<LaunchTemplateConfig> = {}) {
  return new LaunchTemplate(scope, id, {
    name: `policy-cases-${id}`,
    imageId: "ami-0123456789abcdef0",
    instanceType: "t3.micro",
    metadataOptions: METADATA,
    iamInstanceProfile: { name: "policy-cases" },
    blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true", volumeSize: 8 } }],
    ...config,
  });
}

function instance(scope: Construct, id: string, config: Partial<InstanceConfig> = {}) {
  return new Instance(scope, id, {
    ami: "ami-0123456789abcdef0",
    instanceType: "t3.micro",
    metadataOptions: METADATA,
    rootBlockDevice: { encrypted: true },
    iamInstanceProfile: "policy-cases",
    ...config,
  });
}

/** A VPC with flow logs and a closed default security group, minus `omit`. */
function vpc(scope: Construct, id: string, cidr: string, omit: ("flowLog" | "defaultGroup")[] = []) {
  const s = new Construct(scope, id);
  const v = new Vpc(s, "vpc", { cidrBlock: cidr });
  if (!omit.includes("flowLog")) {
    new FlowLog(s, "flow-log", { vpcId: v.id, trafficType: "ALL", logDestinationType: "s3", logDestination: "arn:aws:s3:::policy-cases-flow-logs" });
  }
  if (!omit.includes("defaultGroup")) new DefaultSecurityGroup(s, "default-group", { vpcId: v.id });
  return v;
}

const INGRESS = { fromPort: 443, toPort: 443, protocol: "tcp", ipv6CidrBlocks: [], prefixListIds: [], securityGroups: [], selfAttribute: false };

function securityGroup(scope: Construct, id: string, config: Partial<SecurityGroupConfig> = {}) {
  return new SecurityGroup(scope, id, { name: `policy-cases-${id}`, description: `Policy case ${id}`, ...config });
}

// ---- Lambda and SQS ------------------------------------------------------------------------------

const ACCOUNT = "111122223333";
const TOPIC_ARN = `arn:aws:sns:us-east-1:${ACCOUNT}:policy-cases`;
const FAILURE_QUEUE_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:policy-cases-failures`;

/** A function (code in S3: nothing to package) with its log group /aws/lambda/<name> kept 14 days, unless `logGroup` is false. */
function lambdaFunction(scope: Construct, id: string, config: Partial<LambdaFunctionConfig> = {}, logGroup = true) {
  const name = `policy-cases-${id}`;
  const fn = new LambdaFunction(scope, id, {
    functionName: name,
    role: ROLE_ARN,
    runtime: "nodejs22.x",
    handler: "index.handler",
    s3Bucket: "policy-cases-code",
    s3Key: `${id}.zip`,
    ...config,
  });
  if (logGroup) new CloudwatchLogGroup(scope, `${id}-logs`, { name: `/aws/lambda/${name}`, retentionInDays: 14 });
  return fn;
}

/** Sends a function's failed asynchronous events to `destination`. */
const onFailure = (scope: Construct, id: string, functionName: string, destination = FAILURE_QUEUE_ARN, qualifier?: string) =>
  new LambdaFunctionEventInvokeConfig(scope, id, { functionName, qualifier, maximumRetryAttempts: 2, destinationConfig: { onFailure: { destination } } });

const s3Trigger = (scope: Construct, id: string, bucketName: string, functionArn: string) =>
  new S3BucketNotification(scope, id, { bucket: bucketName, lambdaFunction: [{ lambdaFunctionArn: functionArn, events: ["s3:ObjectCreated:*"] }] });

const denyInsecureQueue = (arn: string) => ({
  Sid: "DenyInsecureTransport",
  Effect: "Deny",
  Principal: "*",
  Action: "sqs:*",
  Resource: arn,
  Condition: { Bool: { "aws:SecureTransport": "false" } },
});

/**
 * An encrypted queue with a policy (by default: deny without TLS) built from its ARN, or no
 * policy when `statements` is null.
 */
function queue(
  scope: Construct,
  id: string,
  config: Partial<SqsQueueConfig> = {},
  statements: ((arn: string) => object[]) | null = (arn) => [denyInsecureQueue(arn)],
) {
  const q = new SqsQueue(scope, id, { name: `policy-cases-${id}`, sqsManagedSseEnabled: true, ...config });
  const p = statements ? new SqsQueuePolicy(scope, `${id}-policy`, { queueUrl: q.url, policy: policy(...statements(q.arn)) }) : undefined;
  return { queue: q, policy: p };
}

/** A queue with its policy inline (the queue's own `policy`), naming itself by literal ARN. */
function inlinePolicyQueue(scope: Construct, id: string, statements: (arn: string) => object[]) {
  const name = `policy-cases-${id}`;
  return new SqsQueue(scope, id, { name, sqsManagedSseEnabled: true, policy: policy(...statements(`arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`)) });
}

/** A Terraform variable: its value is known at plan, never at synth. */
const variable = (scope: Construct, id: string, type = "string") => new TerraformVariable(scope, id, { type });

// ---- IAM ----------------------------------------------------------------------------------------

function role(scope: Construct, id: string, config: Partial<IamRoleConfig> = {}) {
  return new IamRole(scope, id, { name: `policy-cases-${id}`, assumeRolePolicy: trust("ec2.amazonaws.com"), ...config });
}

function rolePolicy(scope: Construct, id: string, document: string) {
  return new IamRolePolicy(scope, id, { name: `policy-cases-${id}`, role: "policy-cases", policy: document });
}

/** AWS's documented example keys (not real), split so no secret scanner mistakes this file for a leak. */
const EXAMPLE_ACCESS_KEY_ID = ["AKIA", "IOSFODNN7EXAMPLE"].join("");
const EXAMPLE_SECRET_KEY = ["wJalrXUtnFEMI", "/K7MDENG/bPxRfiCYEXAMPLEKEY"].join("");
const base64 = (text: string) => Buffer.from(text).toString("base64");

export const POLICY_CASES: Record<string, PolicyCase> = {
  "LAB-S3-1": {
    pass: (s) => bucket(s, "encrypted"),
    fail: (s) => [bucket(s, "unencrypted", ["encryption"])],
    // The legacy inline form, its algorithm known only at plan.
    undecided: (s) => [
      bucket(s, "encryption-from-variable", [], {
        encryption: (b) =>
          b.putServerSideEncryptionConfiguration({ rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: variable(s, "sse-algorithm").stringValue } } }),
      }),
    ],
  },
  "LAB-S3-2": {
    pass: (s) => bucket(s, "blocked"),
    fail: (s) => [
      bucket(s, "no-access-block", ["publicAccessBlock"]),
      bucket(s, "policy-not-blocked", [], {
        publicAccessBlock: (b, c) =>
          new S3BucketPublicAccessBlock(c, "public-access-block", {
            bucket: b.id,
            blockPublicAcls: true,
            blockPublicPolicy: false,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
          }),
      }),
    ],
  },
  "LAB-S3-3": {
    pass: (s) => bucket(s, "versioned"),
    fail: (s) => [
      bucket(s, "unversioned", ["versioning"]),
      bucket(s, "suspended", [], {
        versioning: (b, c) => new S3BucketVersioningA(c, "versioning", { bucket: b.id, versioningConfiguration: { status: "Suspended" } }),
      }),
    ],
    undecided: (s) => [
      bucket(s, "versioning-from-variable", [], { versioning: (b) => b.putVersioning({ enabled: variable(s, "versioning", "bool").booleanValue }) }),
    ],
  },
  "LAB-S3-4": {
    pass: (s) => bucket(s, "owner-enforced"),
    fail: (s) => [
      bucket(s, "object-writer", [], {
        ownership: (b, c) => new S3BucketOwnershipControls(c, "ownership", { bucket: b.id, rule: { objectOwnership: "ObjectWriter" } }),
      }),
    ],
  },
  "LAB-S3-5": {
    pass: (s) => {
      bucket(s, "tls-only");
      // The same statement through a policy document data source (read at apply: it references the bucket).
      bucket(s, "tls-only-document", [], {
        policy: (b, c) => {
          const document = new DataAwsIamPolicyDocument(c, "document", {
            statement: [
              {
                sid: "DenyInsecureTransport",
                effect: "Deny",
                principals: [{ type: "*", identifiers: ["*"] }],
                actions: ["s3:*"],
                resources: [b.arn, `${b.arn}/*`],
                condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
              },
            ],
          });
          new S3BucketPolicy(c, "policy", { bucket: b.id, policy: document.json });
        },
      });
    },
    fail: (s) => [
      bucket(s, "no-policy", ["policy"]),
      bucket(s, "tls-bucket-only", [], { policy: (b, c) => new S3BucketPolicy(c, "policy", { bucket: b.id, policy: policy(denyInsecure(b, [b.arn])) }) }),
    ],
  },
  "LAB-S3-6": {
    pass: (s) => bucket(s, "expiring"),
    fail: (s) => [
      bucket(s, "no-lifecycle", ["lifecycle"]),
      bucket(s, "disabled-lifecycle", [], {
        lifecycle: (b, c) =>
          new S3BucketLifecycleConfiguration(c, "lifecycle", {
            bucket: b.id,
            rule: [{ id: "off", status: "Disabled", filter: [{ prefix: "" }], abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }] }],
          }),
      }),
    ],
    undecided: (s) => [
      bucket(s, "lifecycle-from-variable", [], {
        lifecycle: (b) => b.putLifecycleRule([{ enabled: variable(s, "lifecycle", "bool").booleanValue, abortIncompleteMultipartUploadDays: 7 }]),
      }),
    ],
  },
  "LAB-S3-7": {
    pass: (s) =>
      bucket(s, "named-reader", [], {
        policy: (b, c) =>
          new S3BucketPolicy(c, "policy", {
            bucket: b.id,
            policy: policy(denyInsecure(b), {
              Sid: "AccountReads",
              Effect: "Allow",
              Principal: { AWS: "arn:aws:iam::111122223333:root" },
              Action: "s3:GetObject",
              Resource: `${b.arn}/*`,
            }),
          }),
      }),
    fail: (s) => {
      let flagged: IConstruct[] = [];
      bucket(s, "public-read", [], {
        policy: (b, c) => {
          flagged = [
            new S3BucketPolicy(c, "policy", {
              bucket: b.id,
              policy: policy(denyInsecure(b), { Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `${b.arn}/*` }),
            }),
          ];
        },
      });
      return flagged;
    },
    undecided: (s) => {
      const who = variable(s, "reader").stringValue;
      let flagged: IConstruct[] = [];
      bucket(s, "reader-from-variable", [], {
        policy: (b, c) => {
          flagged = [
            new S3BucketPolicy(c, "policy", {
              bucket: b.id,
              policy: policy(denyInsecure(b), {
                Sid: "SomeoneReads",
                Effect: "Allow",
                Principal: { AWS: who },
                Action: "s3:GetObject",
                Resource: `${b.arn}/*`,
              }),
            }),
          ];
        },
      });
      return flagged;
    },
  },
  "LAB-KDF-1": {
    pass: (s) => stream(s, "encrypted-stream"),
    fail: (s) => [stream(s, "plain-stream", {}, { serverSideEncryption: { enabled: false } })],
  },
  "LAB-KDF-2": {
    pass: (s) => stream(s, "logged-stream"),
    fail: (s) => [stream(s, "silent-stream", { cloudwatchLoggingOptions: { enabled: false } }), stream(s, "no-error-prefix", { errorOutputPrefix: undefined })],
  },
  "LAB-KDF-3": {
    pass: (s) => stream(s, "converting-64", { bufferingSize: 64, ...formatConversion }),
    fail: (s) => [stream(s, "converting-5", { bufferingSize: 5, ...formatConversion })],
    synthOnly: {
      why: "the provider itself refuses a buffering_size above 128 at plan",
      fail: (s) => [stream(s, "huge-buffer", { bufferingSize: 500 })],
    },
  },
  "LAB-KDA-1": {
    pass: (s) => {
      new KinesisAnalyticsApplication(s, "logged-app", {
        name: "policy-cases-logged",
        cloudwatchLoggingOptions: { logStreamArn: "arn:aws:logs:us-east-1:111122223333:log-group:/lab:log-stream:app", roleArn: ROLE_ARN },
      });
      new Kinesisanalyticsv2Application(s, "logged-app-v2", {
        name: "policy-cases-logged-v2",
        runtimeEnvironment: "FLINK-1_18",
        serviceExecutionRole: ROLE_ARN,
        cloudwatchLoggingOptions: { logStreamArn: "arn:aws:logs:us-east-1:111122223333:log-group:/lab:log-stream:app-v2" },
      });
    },
    fail: (s) => [
      new KinesisAnalyticsApplication(s, "silent-app", { name: "policy-cases-silent" }),
      new Kinesisanalyticsv2Application(s, "silent-app-v2", {
        name: "policy-cases-silent-v2",
        runtimeEnvironment: "FLINK-1_18",
        serviceExecutionRole: ROLE_ARN,
      }),
    ],
  },
  "LAB-LAMBDA-1": {
    pass: (s) => {
      lambdaFunction(s, "logs-to-default-group");
      const custom = new CloudwatchLogGroup(s, "custom-function-logs", { name: "/policy-cases/custom-function-logs", retentionInDays: 14 });
      lambdaFunction(s, "logs-to-custom-group", { loggingConfig: { logFormat: "JSON", logGroup: custom.name } }, false);
      // The group named after the function by reference, as constructs usually write it.
      const named = lambdaFunction(s, "logs-to-group-named-after-it", {}, false);
      new CloudwatchLogGroup(s, "named-after-function-logs", { name: `/aws/lambda/${named.functionName}`, retentionInDays: 14 });
    },
    fail: (s) => [
      lambdaFunction(s, "no-log-group", {}, false),
      lambdaFunction(s, "logs-to-unmanaged-group", { loggingConfig: { logFormat: "Text", logGroup: "/policy-cases/not-in-the-configuration" } }, false),
    ],
    undecided: (s) => [lambdaFunction(s, "name-from-variable", { functionName: variable(s, "function-name").stringValue }, false)],
  },
  "LAB-LAMBDA-2": {
    pass: (s) => {
      const fn = lambdaFunction(s, "private-function");
      new LambdaFunctionUrl(s, "iam-url", { functionName: fn.functionName, authorizationType: "AWS_IAM" });
      new LambdaPermission(s, "bucket-invokes", {
        action: "lambda:InvokeFunction",
        functionName: fn.functionName,
        principal: "s3.amazonaws.com",
        sourceArn: DATA_BUCKET_ARN,
        sourceAccount: ACCOUNT,
      });
      new LambdaPermission(s, "organization-invokes", {
        action: "lambda:InvokeFunction",
        functionName: fn.functionName,
        principal: "*",
        principalOrgId: "o-a1b2c3d4e5",
      });
      // A role of the configuration, by reference: known only after apply, but never "*".
      new LambdaPermission(s, "role-invokes", { action: "lambda:InvokeFunction", functionName: fn.functionName, principal: role(s, "function-caller").arn });
    },
    fail: (s) => {
      const fn = lambdaFunction(s, "public-function");
      return [
        new LambdaFunctionUrl(s, "open-url", { functionName: fn.functionName, authorizationType: "NONE" }),
        new LambdaPermission(s, "anyone-calls-url", {
          action: "lambda:InvokeFunctionUrl",
          functionName: fn.functionName,
          principal: "*",
          functionUrlAuthType: "NONE",
        }),
        new LambdaPermission(s, "anyone-invokes", { action: "lambda:InvokeFunction", functionName: fn.functionName, principal: "*" }),
      ];
    },
    undecided: (s) => {
      const fn = lambdaFunction(s, "function-of-unknown-callers");
      return [
        new LambdaFunctionUrl(s, "url-auth-from-variable", { functionName: fn.functionName, authorizationType: variable(s, "url-auth").stringValue }),
        new LambdaPermission(s, "principal-from-variable", {
          action: "lambda:InvokeFunction",
          functionName: fn.functionName,
          principal: variable(s, "caller").stringValue,
        }),
      ];
    },
  },
  "LAB-LAMBDA-3": {
    pass: (s) => {
      const failures = queue(s, "async-failures").queue;
      const fromBucket = lambdaFunction(s, "keeps-failed-objects");
      onFailure(s, "keeps-failed-objects-async", fromBucket.functionName, failures.arn);
      s3Trigger(s, "keeps-failed-objects-trigger", "policy-cases-trigger-a", fromBucket.arn);
      const withDlq = lambdaFunction(s, "keeps-failed-messages", { deadLetterConfig: { targetArn: failures.arn } });
      new SnsTopicSubscription(s, "keeps-failed-messages-subscription", { topicArn: TOPIC_ARN, protocol: "lambda", endpoint: withDlq.arn });
      // Configured by literal ARN, invoked by an EventBridge rule.
      const byArn = lambdaFunction(s, "configured-by-arn");
      onFailure(s, "configured-by-arn-async", `arn:aws:lambda:us-east-1:${ACCOUNT}:function:policy-cases-configured-by-arn`);
      new CloudwatchEventTarget(s, "configured-by-arn-schedule", { rule: "policy-cases-schedule", arn: byArn.arn });
      // Only ever invoked synchronously: nothing to keep.
      lambdaFunction(s, "invoked-synchronously");
    },
    fail: (s) => {
      const dropsObjects = lambdaFunction(s, "drops-failed-objects");
      s3Trigger(s, "drops-failed-objects-trigger", "policy-cases-trigger-b", dropsObjects.arn);
      const successOnly = lambdaFunction(s, "on-success-only");
      new LambdaFunctionEventInvokeConfig(s, "on-success-only-async", {
        functionName: successOnly.functionName,
        destinationConfig: { onSuccess: { destination: FAILURE_QUEUE_ARN } },
      });
      new SnsTopicSubscription(s, "on-success-only-subscription", { topicArn: TOPIC_ARN, protocol: "lambda", endpoint: successOnly.arn });
      // Its on-failure destination covers an alias; the rule invokes the function itself.
      const aliasOnly = lambdaFunction(s, "alias-keeps-failures");
      onFailure(s, "alias-keeps-failures-async", aliasOnly.functionName, FAILURE_QUEUE_ARN, "live");
      new CloudwatchEventTarget(s, "alias-keeps-failures-schedule", { rule: "policy-cases-schedule", arn: aliasOnly.arn });
      return [dropsObjects, successOnly, aliasOnly];
    },
    undecided: (s) => {
      const fn = lambdaFunction(s, "maybe-triggered");
      s3Trigger(s, "trigger-from-variable", "policy-cases-trigger-c", variable(s, "function-arn").stringValue);
      return [fn];
    },
  },
  "LAB-SQS-1": {
    pass: (s) => {
      queue(s, "sse-queue");
      queue(s, "kms-queue", { sqsManagedSseEnabled: undefined, kmsMasterKeyId: "alias/aws/sqs" });
    },
    fail: (s) => [
      queue(s, "sse-off-queue", { sqsManagedSseEnabled: false }).queue,
      queue(s, "account-default-queue", { sqsManagedSseEnabled: undefined }).queue,
    ],
    undecided: (s) => [queue(s, "sse-from-variable", { sqsManagedSseEnabled: variable(s, "sse", "bool").booleanValue }).queue],
  },
  "LAB-SQS-2": {
    pass: (s) => {
      queue(s, "tls-queue");
      inlinePolicyQueue(s, "inline-tls-queue", (arn) => [denyInsecureQueue(arn)]);
      // The policy names the queue by its literal URL.
      const byUrl = queue(s, "tls-by-url-queue", {}, null).queue;
      new SqsQueuePolicy(s, "tls-by-url-policy", {
        queueUrl: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/policy-cases-tls-by-url-queue`,
        policy: policy(denyInsecureQueue(byUrl.arn)),
      });
    },
    fail: (s) => [
      queue(s, "no-policy-queue", {}, null).queue,
      queue(s, "send-only-tls-queue", {}, (arn) => [{ ...denyInsecureQueue(arn), Action: "sqs:SendMessage" }]).queue,
    ],
    undecided: (s) => {
      const q = queue(s, "policy-target-from-variable", {}, null).queue;
      new SqsQueuePolicy(s, "policy-for-variable-queue", { queueUrl: variable(s, "queue-url").stringValue, policy: policy(denyInsecureQueue(q.arn)) });
      return [q];
    },
  },
  "LAB-SQS-3": {
    pass: (s) => {
      const reader = role(s, "queue-reader");
      queue(s, "named-senders", {}, (arn) => [
        denyInsecureQueue(arn),
        {
          Sid: "BucketSends",
          Effect: "Allow",
          Principal: { Service: "s3.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: arn,
          Condition: { ArnEquals: { "aws:SourceArn": DATA_BUCKET_ARN } },
        },
        { Sid: "RoleReads", Effect: "Allow", Principal: { AWS: reader.arn }, Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage"], Resource: arn },
      ]);
    },
    fail: (s) => [
      queue(s, "anyone-sends", {}, (arn) => [
        denyInsecureQueue(arn),
        { Sid: "AnyoneSends", Effect: "Allow", Principal: "*", Action: "sqs:SendMessage", Resource: arn },
      ]).policy!,
      inlinePolicyQueue(s, "any-account-reads", (arn) => [
        denyInsecureQueue(arn),
        { Sid: "AnyAccountReads", Effect: "Allow", Principal: { AWS: "*" }, Action: "sqs:ReceiveMessage", Resource: arn },
      ]),
    ],
    undecided: (s) => {
      const who = variable(s, "reader").stringValue;
      return [
        queue(s, "reader-from-variable", {}, (arn) => [
          denyInsecureQueue(arn),
          { Sid: "SomeoneReads", Effect: "Allow", Principal: { AWS: who }, Action: "sqs:ReceiveMessage", Resource: arn },
        ]).policy!,
      ];
    },
  },
  "LAB-EC2-1": {
    pass: (s) => {
      instance(s, "imdsv2");
      // Not set on the instance: it takes the template's.
      const template = launchTemplate(s, "imdsv2-template");
      new Instance(s, "from-template", { launchTemplate: { id: template.id, version: "$Latest" } });
    },
    fail: (s) => [
      launchTemplate(s, "imdsv1-template", { metadataOptions: { httpEndpoint: "enabled", httpTokens: "optional" } }),
      instance(s, "three-hops", { metadataOptions: { ...METADATA, httpPutResponseHopLimit: 3 } }),
      instance(s, "no-metadata-options", { metadataOptions: undefined }),
    ],
  },
  "LAB-EC2-2": {
    pass: (s) => {
      instance(s, "encrypted-root", { ebsBlockDevice: [{ deviceName: "/dev/sdf", encrypted: true, volumeSize: 1 }] });
      new EbsVolume(s, "encrypted-volume", { availabilityZone: "us-east-1a", size: 1, encrypted: true });
    },
    fail: (s) => {
      const plainTemplate = launchTemplate(s, "plain-template", {
        blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "false", volumeSize: 8 } }],
      });
      return [
        instance(s, "plain-root", { rootBlockDevice: { encrypted: false } }),
        instance(s, "plain-data", { ebsBlockDevice: [{ deviceName: "/dev/sdf", encrypted: false, volumeSize: 1 }] }),
        new EbsVolume(s, "plain-volume", { availabilityZone: "us-east-1a", size: 1 }),
        plainTemplate,
        // Its root comes from a template that does not encrypt it.
        new Instance(s, "from-plain-template", { launchTemplate: { id: plainTemplate.id, version: "$Latest" } }),
      ];
    },
  },
  "LAB-EC2-3": {
    pass: (s) => instance(s, "with-profile"),
    fail: (s) => [instance(s, "no-profile", { iamInstanceProfile: undefined })],
  },
  "LAB-EC2-4": {
    pass: (s) => {
      instance(s, "clean-user-data", { userData: "#!/bin/bash\n# credentials come from the instance profile, never aws_secret_access_key\necho ready\n" });
      launchTemplate(s, "clean-template-user-data", { userData: base64("#cloud-config\nruncmd: [echo ready]\n") });
    },
    fail: (s) => [
      instance(s, "secret-in-user-data", { userData: `#!/bin/bash\naws configure set aws_secret_access_key ${EXAMPLE_SECRET_KEY}\n` }),
      launchTemplate(s, "key-in-template-user-data", { userData: base64(`#!/bin/bash\nexport AWS_ACCESS_KEY_ID=${EXAMPLE_ACCESS_KEY_ID}\n`) }),
    ],
  },
  "LAB-EC2-5": {
    pass: (s) => new Subnet(s, "private-subnet", { vpcId: vpc(s, "private-vpc", "10.31.0.0/24").id, cidrBlock: "10.31.0.0/24", mapPublicIpOnLaunch: false }),
    fail: (s) => [
      instance(s, "public-instance", { associatePublicIpAddress: true }),
      launchTemplate(s, "public-template", { networkInterfaces: [{ deviceIndex: 0, associatePublicIpAddress: "true" }] }),
      new Subnet(s, "public-subnet", { vpcId: vpc(s, "public-vpc", "10.32.0.0/24").id, cidrBlock: "10.32.0.0/24", mapPublicIpOnLaunch: true }),
    ],
  },
  "LAB-NET-1": {
    pass: (s) => {
      const v = vpc(s, "internal-vpc", "10.33.0.0/24");
      const group = securityGroup(s, "internal", {
        vpcId: v.id,
        ingress: [{ ...INGRESS, cidrBlocks: ["10.0.0.0/8"], description: "HTTPS from the corporate network" }],
      });
      new VpcSecurityGroupIngressRule(s, "from-vpc", {
        securityGroupId: group.id,
        description: "HTTPS from the VPC",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: v.cidrBlock,
      });
    },
    fail: (s) => {
      const open = securityGroup(s, "open-inline", { ingress: [{ ...INGRESS, cidrBlocks: ["0.0.0.0/0"], description: "HTTPS from anywhere" }] });
      const target = securityGroup(s, "rule-target");
      return [
        open,
        new SecurityGroupRule(s, "open-ipv6-rule", {
          type: "ingress",
          securityGroupId: target.id,
          description: "HTTPS from any IPv6",
          protocol: "tcp",
          fromPort: 443,
          toPort: 443,
          ipv6CidrBlocks: ["::/0"],
        }),
        new VpcSecurityGroupIngressRule(s, "open-vpc-rule", {
          securityGroupId: target.id,
          description: "SSH from anywhere",
          ipProtocol: "tcp",
          fromPort: 22,
          toPort: 22,
          cidrIpv4: "0.0.0.0/0",
        }),
      ];
    },
  },
  "LAB-NET-2": {
    pass: (s) => {
      const group = securityGroup(s, "described", { egress: [{ ...INGRESS, cidrBlocks: ["10.0.0.0/8"], description: "HTTPS to the corporate network" }] });
      new VpcSecurityGroupEgressRule(s, "described-egress", {
        securityGroupId: group.id,
        description: "HTTPS out",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: "10.0.0.0/8",
      });
    },
    fail: (s) => {
      const group = securityGroup(s, "undescribed", { description: undefined });
      return [
        group,
        securityGroup(s, "undescribed-inline", { egress: [{ ...INGRESS, cidrBlocks: ["10.0.0.0/8"], description: "" }] }),
        new VpcSecurityGroupEgressRule(s, "undescribed-egress", {
          securityGroupId: group.id,
          ipProtocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrIpv4: "10.0.0.0/8",
        }),
      ];
    },
  },
  "LAB-NET-3": {
    pass: (s) => vpc(s, "logged-vpc", "10.34.0.0/24"),
    fail: (s) => [vpc(s, "unlogged-vpc", "10.35.0.0/24", ["flowLog"])],
  },
  "LAB-NET-4": {
    pass: (s) => vpc(s, "closed-vpc", "10.36.0.0/24"),
    fail: (s) => {
      const open = new Construct(s, "open-default");
      const v = new Vpc(open, "vpc", { cidrBlock: "10.38.0.0/24" });
      new FlowLog(open, "flow-log", { vpcId: v.id, trafficType: "ALL", logDestinationType: "s3", logDestination: "arn:aws:s3:::policy-cases-flow-logs" });
      const group = new DefaultSecurityGroup(open, "default-group", {
        vpcId: v.id,
        egress: [{ ...INGRESS, protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "the AWS default: everything out" }],
      });
      return [vpc(s, "unmanaged-default", "10.37.0.0/24", ["defaultGroup"]), group];
    },
  },
  "LAB-IAM-1": {
    pass: (s) => {
      rolePolicy(
        s,
        "get-pattern",
        policy({
          Effect: "Allow",
          Action: ["firehose:DescribeDeliveryStream", "firehose:Get*"],
          Resource: "arn:aws:firehose:us-east-1:111122223333:deliverystream/Source",
        }),
      );
      rolePolicy(s, "deny-all", policy({ Effect: "Deny", Action: "*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } }));
    },
    fail: (s) => {
      const document = new DataAwsIamPolicyDocument(s, "everything-document", { statement: [{ actions: ["*"], resources: [DATA_BUCKET_ARN] }] });
      return [
        rolePolicy(s, "s3-star", policy({ Sid: "AllS3", Effect: "Allow", Action: "s3:*", Resource: `${DATA_BUCKET_ARN}/*` })),
        rolePolicy(s, "star-from-document", document.json),
        new IamPolicy(s, "not-action", { name: "policy-cases-not-action", policy: policy({ Effect: "Allow", NotAction: "iam:*", Resource: DATA_BUCKET_ARN }) }),
        role(s, "inline-iam-star", {
          inlinePolicy: [{ name: "iam-star", policy: policy({ Effect: "Allow", Action: "iam:*", Resource: "arn:aws:iam::111122223333:role/x" }) }],
        }),
      ];
    },
  },
  "LAB-IAM-2": {
    pass: (s) =>
      rolePolicy(
        s,
        "session-manager",
        policy({
          Effect: "Allow",
          Action: ["ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ssmmessages:OpenDataChannel"],
          Resource: "*",
        }),
      ),
    fail: (s) => [
      rolePolicy(s, "read-everything", policy({ Effect: "Allow", Action: ["s3:GetObject", "ssm:UpdateInstanceInformation"], Resource: "*" })),
      rolePolicy(s, "not-resource", policy({ Effect: "Allow", Action: "s3:GetObject", NotResource: DATA_BUCKET_ARN })),
      // A Lambda role with what AWSLambdaBasicExecutionRole grants, written inline: logs on every log group.
      role(s, "lambda-basic-execution", {
        assumeRolePolicy: trust("lambda.amazonaws.com"),
        inlinePolicy: [
          {
            name: "basic-execution",
            policy: policy({ Effect: "Allow", Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], Resource: "*" }),
          },
        ],
      }),
    ],
  },
  "LAB-IAM-3": {
    pass: (s) => {
      role(s, "firehose-role", { assumeRolePolicy: trust("firehose.amazonaws.com") });
      const document = new DataAwsIamPolicyDocument(s, "ec2-trust", {
        statement: [{ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["ec2.amazonaws.com"] }] }],
      });
      role(s, "trust-from-document", { assumeRolePolicy: document.json });
    },
    fail: (s) => {
      const anyone = new DataAwsIamPolicyDocument(s, "anyone-trust", {
        statement: [{ actions: ["sts:AssumeRole"], principals: [{ type: "*", identifiers: ["*"] }] }],
      });
      return [
        role(s, "trusts-any-account", { assumeRolePolicy: policy({ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }) }),
        role(s, "trusts-an-account", {
          assumeRolePolicy: policy({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::444455556666:root" }, Action: "sts:AssumeRole" }),
        }),
        role(s, "trusts-anyone-by-document", { assumeRolePolicy: anyone.json }),
      ];
    },
  },
  "LAB-IAM-4": {
    pass: (s) => new IamRolePolicyAttachment(s, "ssm-core", { role: "policy-cases", policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" }),
    fail: (s) => [
      new IamRolePolicyAttachment(s, "administrator", { role: "policy-cases", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }),
      role(s, "s3-full-access", { managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonS3FullAccess"] }),
      new IamRolePolicyAttachment(s, "lambda-full-access", { role: "policy-cases-lambda", policyArn: "arn:aws:iam::aws:policy/AWSLambda_FullAccess" }),
    ],
  },
  "LAB-LOG-1": {
    pass: (s) => new CloudwatchLogGroup(s, "kept-14-days", { name: "/policy-cases/kept", retentionInDays: 14 }),
    fail: (s) => [new CloudwatchLogGroup(s, "kept-forever", { name: "/policy-cases/forever" })],
  },
};

export interface PolicyFixture {
  /** Rule id → the resources (constructs) the rule must flag. */
  readonly expected: Record<string, IConstruct[]>;
}

export const SUPPRESSION_REASON = "fixture: shows that a suppressed violation is listed with its reason and does not fail";

/** Every passing and failing case, plus one suppressed violation (LAB-LOG-1), and the suppressions output. */
export function buildPolicyCases(stack: TerraformStack): PolicyFixture & { readonly suppressed: IConstruct } {
  const expected: Record<string, IConstruct[]> = {};
  for (const [rule, c] of Object.entries(POLICY_CASES)) {
    const scope = new Construct(stack, rule.toLowerCase());
    c.pass(new Construct(scope, "pass"));
    expected[rule] = c.fail(new Construct(scope, "fail"));
  }
  const suppressed = new CloudwatchLogGroup(stack, "suppressed-log-group", { name: "/policy-cases/suppressed" });
  suppressPolicy(suppressed, "LAB-LOG-1", SUPPRESSION_REASON);
  ensureSuppressionsOutput(stack);
  return { expected, suppressed };
}

/** The failing cases only the synthesized JSON can hold (the provider refuses them at plan). */
export function buildSynthOnlyCases(stack: TerraformStack): PolicyFixture {
  const expected: Record<string, IConstruct[]> = {};
  for (const [rule, c] of Object.entries(POLICY_CASES)) {
    expected[rule] = c.synthOnly ? c.synthOnly.fail(new Construct(new Construct(stack, rule.toLowerCase()), "fail")) : [];
  }
  return { expected };
}

/**
 * The cases whose deciding value is a Terraform variable, each rule's in its own stack (an unknown
 * target may be anything in its stack); synthesized JSON only: a plan would know the value.
 */
export function buildUndecidedCases(stackFor: (rule: string) => TerraformStack): PolicyFixture {
  const expected: Record<string, IConstruct[]> = {};
  for (const [rule, c] of Object.entries(POLICY_CASES)) {
    if (c.undecided) expected[rule] = c.undecided(stackFor(rule));
  }
  return { expected };
}
