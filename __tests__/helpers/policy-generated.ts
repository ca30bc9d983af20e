/**
 * Large Terraform JSON for the policy pack's scale tests: `units` copies of a small workload that
 * passes every rule (a bucket with its six parts and policy, a function with its role, log group,
 * S3 trigger and failure destination, a queue with its policy, a VPC with its flow log, default
 * group, subnet and security group, an instance with its launch template), every relation written
 * as a reference, so that the rules' lookups (bucket -> parts, function -> log group, instance ->
 * template, VPC -> flow log) are exercised at their real size. `openEvery` opens SSH to the world in
 * every n-th unit's security group, so a run also has findings to report.
 */

const policy = (...statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const trust = (service: string) => policy({ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" });
const denyWithoutTls = (service: string, resources: string[]) => ({
  Sid: "DenyInsecureTransport",
  Effect: "Deny",
  Principal: "*",
  Action: `${service}:*`,
  Resource: resources,
  Condition: { Bool: { "aws:SecureTransport": "false" } },
});

type Resources = Record<string, Record<string, Record<string, unknown>>>;

function unit(k: number, open: boolean): Resources {
  const ref = (type: string, name: string, attribute: string) => `\${${type}.${name}_${k}.${attribute}}`;
  const bucket = (attribute: string) => ref("aws_s3_bucket", "data", attribute);
  const fnName = `gen-function-${k}`;
  return {
    aws_s3_bucket: { [`data_${k}`]: { bucket: `gen-bucket-${k}` } },
    aws_s3_bucket_server_side_encryption_configuration: {
      [`encryption_${k}`]: { bucket: bucket("id"), rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }] },
    },
    aws_s3_bucket_public_access_block: {
      [`access_${k}`]: { bucket: bucket("id"), block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true },
    },
    aws_s3_bucket_ownership_controls: { [`ownership_${k}`]: { bucket: bucket("id"), rule: { object_ownership: "BucketOwnerEnforced" } } },
    aws_s3_bucket_versioning: { [`versioning_${k}`]: { bucket: bucket("id"), versioning_configuration: { status: "Enabled" } } },
    aws_s3_bucket_policy: { [`policy_${k}`]: { bucket: bucket("id"), policy: policy(denyWithoutTls("s3", [bucket("arn"), `${bucket("arn")}/*`])) } },
    aws_s3_bucket_lifecycle_configuration: {
      [`lifecycle_${k}`]: { bucket: bucket("id"), rule: [{ id: "expire", status: "Enabled", expiration: { days: 30 } }] },
    },
    aws_s3_bucket_notification: {
      [`trigger_${k}`]: {
        bucket: bucket("id"),
        lambda_function: [{ lambda_function_arn: ref("aws_lambda_function", "handler", "arn"), events: ["s3:ObjectCreated:*"] }],
      },
    },
    aws_iam_role: { [`handler_${k}`]: { name: `gen-role-${k}`, assume_role_policy: trust("lambda.amazonaws.com") } },
    aws_iam_role_policy: {
      [`handler_${k}`]: {
        role: ref("aws_iam_role", "handler", "id"),
        policy: policy(
          { Effect: "Allow", Action: ["s3:GetObject"], Resource: `${bucket("arn")}/*` },
          { Effect: "Allow", Action: ["sqs:SendMessage"], Resource: ref("aws_sqs_queue", "failures", "arn") },
        ),
      },
    },
    aws_cloudwatch_log_group: { [`handler_${k}`]: { name: `/aws/lambda/${fnName}`, retention_in_days: 30 } },
    aws_lambda_function: {
      [`handler_${k}`]: {
        function_name: fnName,
        role: ref("aws_iam_role", "handler", "arn"),
        runtime: "nodejs20.x",
        handler: "index.handler",
        filename: "handler.zip",
      },
    },
    aws_lambda_function_event_invoke_config: {
      [`handler_${k}`]: {
        function_name: ref("aws_lambda_function", "handler", "function_name"),
        destination_config: { on_failure: { destination: ref("aws_sqs_queue", "failures", "arn") } },
      },
    },
    aws_sqs_queue: { [`failures_${k}`]: { name: `gen-failures-${k}`, sqs_managed_sse_enabled: true } },
    aws_sqs_queue_policy: {
      [`failures_${k}`]: {
        queue_url: ref("aws_sqs_queue", "failures", "url"),
        policy: policy(denyWithoutTls("sqs", [ref("aws_sqs_queue", "failures", "arn")])),
      },
    },
    aws_vpc: { [`network_${k}`]: { cidr_block: "10.0.0.0/16" } },
    aws_flow_log: {
      [`network_${k}`]: {
        vpc_id: ref("aws_vpc", "network", "id"),
        traffic_type: "ALL",
        log_destination: `arn:aws:s3:::gen-flow-logs-${k}`,
        log_destination_type: "s3",
      },
    },
    aws_default_security_group: { [`network_${k}`]: { vpc_id: ref("aws_vpc", "network", "id") } },
    aws_subnet: { [`network_${k}`]: { vpc_id: ref("aws_vpc", "network", "id"), cidr_block: "10.0.1.0/24" } },
    aws_security_group: {
      [`instance_${k}`]: {
        name: `gen-instance-${k}`,
        description: "the instance's group",
        vpc_id: ref("aws_vpc", "network", "id"),
        ingress: open ? [{ description: "ssh", from_port: 22, to_port: 22, protocol: "tcp", cidr_blocks: ["0.0.0.0/0"] }] : [],
        egress: [{ description: "https out", from_port: 443, to_port: 443, protocol: "tcp", cidr_blocks: ["0.0.0.0/0"] }],
      },
    },
    aws_launch_template: {
      [`instance_${k}`]: {
        name: `gen-template-${k}`,
        metadata_options: { http_tokens: "required", http_put_response_hop_limit: 1 },
        block_device_mappings: [{ device_name: "/dev/xvda", ebs: { encrypted: true, volume_size: 8 } }],
        iam_instance_profile: { name: `gen-profile-${k}` },
      },
    },
    aws_instance: {
      [`instance_${k}`]: {
        subnet_id: ref("aws_subnet", "network", "id"),
        launch_template: { id: ref("aws_launch_template", "instance", "id") },
        vpc_security_group_ids: [ref("aws_security_group", "instance", "id")],
      },
    },
  };
}

/** Resources in one unit of the generated workload. */
export const RESOURCES_PER_UNIT = Object.values(unit(0, false)).reduce((n, byName) => n + Object.keys(byName).length, 0);

/** A synthesized configuration of `units` copies of the workload (`units * RESOURCES_PER_UNIT` resources). */
export function generatedConfiguration(units: number, openEvery = 0): { resource: Resources } {
  const resource: Resources = {};
  for (let k = 0; k < units; k++) {
    for (const [type, byName] of Object.entries(unit(k, openEvery > 0 && k % openEvery === 0))) Object.assign((resource[type] ??= {}), byName);
  }
  return { resource };
}

/**
 * The same configuration as `terraform show -json` would describe its plan: every resource
 * created, a value with a reference known only after apply (its expression in the configuration
 * is the reference text, as for any JSON configuration).
 */
export function generatedPlan(units: number, openEvery = 0): Record<string, unknown> {
  const changes: unknown[] = [];
  const configured: unknown[] = [];
  for (const [type, byName] of Object.entries(generatedConfiguration(units, openEvery).resource)) {
    for (const [name, body] of Object.entries(byName)) {
      const address = `${type}.${name}`;
      const after: Record<string, unknown> = {};
      const afterUnknown: Record<string, unknown> = {};
      const expressions: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(body)) {
        const text = JSON.stringify(value);
        if (text.includes("${")) afterUnknown[key] = true;
        else after[key] = value;
        expressions[key] = { constant_value: value };
      }
      changes.push({
        address,
        mode: "managed",
        type,
        name,
        provider_name: "registry.terraform.io/hashicorp/aws",
        change: { actions: ["create"], before: null, after, after_unknown: afterUnknown },
      });
      configured.push({ address, mode: "managed", type, name, provider_config_key: "aws", expressions });
    }
  }
  return {
    format_version: "1.2",
    terraform_version: "1.11.4",
    planned_values: { root_module: {} },
    resource_changes: changes,
    configuration: { provider_config: { aws: { name: "aws" } }, root_module: { resources: configured } },
  };
}
