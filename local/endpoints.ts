/**
 * Which AWS services a synthesized stack talks to, derived from its resource and data-source types,
 * and the provider override that sends every one of them to the local AWS. A type whose service is
 * not in this table is refused before Terraform runs: a local run never sends a request to AWS
 * because an endpoint was forgotten.
 */
import { UNUSABLE_INPUT_EXIT_CODE } from "../input/unusable-input";

/**
 * The AWS provider's `endpoints` key of each service, by resource-type family: a type belongs to a
 * family when it is the family's name or starts with it and "_" (`aws_route_table` is ec2,
 * `aws_route53_zone` is not).
 */
const SERVICE_BY_FAMILY: ReadonlyArray<readonly [string, string]> = [
  ["aws_s3", "s3"],
  ["aws_kinesis_firehose", "firehose"],
  ["aws_iam", "iam"],
  ["aws_cloudwatch_log", "logs"],
  ["aws_lambda", "lambda"],
  ["aws_sqs", "sqs"],
  ...[
    "aws_vpc",
    "aws_default_security_group",
    "aws_default_route_table",
    "aws_security_group",
    "aws_subnet",
    "aws_internet_gateway",
    "aws_route",
    "aws_flow_log",
    "aws_instance",
    "aws_launch_template",
    "aws_availability_zones",
  ].map((family) => [family, "ec2"] as const),
  ["aws_caller_identity", "sts"],
];

/** Types that call no AWS API at all (the provider computes them). */
const NO_SERVICE = new Set(["aws_iam_policy_document", "aws_partition", "aws_region", "aws_arn"]);

/** Types of services the local AWS cannot stand in for, with why. */
const NOT_EMULATED: Readonly<Partial<Record<string, string>>> = {
  aws_kinesis_analytics_application:
    "Kinesis Data Analytics for SQL is discontinued and moto has no such service; the local run needs LAB_ANALYTICS_ENGINE=micro-batch (the default)",
};

/** The provider asks STS who it is (GetCallerIdentity) whatever the stack holds. */
const ALWAYS = ["sts"];

/** Thrown when a stack cannot run locally; the message is one line per type. Unusable input: exit status 2. */
export class NoLocalEndpoint extends Error {
  readonly exitCode = UNUSABLE_INPUT_EXIT_CODE;

  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "NoLocalEndpoint";
  }
}

/** The service of one resource or data-source type; undefined for types that call no API. */
export function serviceOf(type: string): string | undefined {
  if (NO_SERVICE.has(type)) return undefined;
  const why = NOT_EMULATED[type];
  if (why !== undefined) throw new NoLocalEndpoint([`${type}: ${why}`]);
  const match = SERVICE_BY_FAMILY.find(([family]) => type === family || type.startsWith(`${family}_`));
  if (match === undefined) {
    throw new NoLocalEndpoint([
      `${type}: its AWS service has no endpoint in the local run, so it would reach AWS; map it in local/endpoints.ts (and check that moto emulates it)`,
    ]);
  }
  return match[1];
}

interface TerraformJson {
  readonly resource?: Record<string, unknown>;
  readonly data?: Record<string, unknown>;
}

/** Every service the stack's resources and data sources use, sorted; throws NoLocalEndpoint naming each type it cannot map. */
export function servicesOfStack(stack: TerraformJson): string[] {
  const services = new Set(ALWAYS);
  const problems: string[] = [];
  for (const type of [...Object.keys(stack.resource ?? {}), ...Object.keys(stack.data ?? {})]) {
    try {
      const service = serviceOf(type);
      if (service !== undefined) services.add(service);
    } catch (error) {
      if (!(error instanceof NoLocalEndpoint)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new NoLocalEndpoint(problems);
  return [...services].sort();
}

/** The name of the override file Terraform merges over the stack for a local run. */
export const LOCAL_PROVIDER_OVERRIDE_FILE = "local_aws_override.tf.json";

/**
 * The AWS SDK's name of each service in an endpoint variable (AWS_ENDPOINT_URL_<ID>: the service's
 * SDK id, upper case, spaces as underscores), by the provider's endpoint key.
 */
const ENDPOINT_VARIABLE_ID: Readonly<Partial<Record<string, string>>> = {
  ec2: "EC2",
  firehose: "FIREHOSE",
  iam: "IAM",
  lambda: "LAMBDA",
  logs: "CLOUDWATCH_LOGS",
  s3: "S3",
  sqs: "SQS",
  sts: "STS",
};

/**
 * The AWS provider's settings for a local run: dummy credentials (no one's: a provider that reached
 * AWS with them could only be refused), path-style S3, and few retries (an untrusted certificate
 * fails in seconds, not minutes). The endpoints and the run's CA reach the provider process through
 * its environment instead (localProviderEnv): any `endpoints` block costs the provider about 3 s of
 * CPU each time Terraform validates its configuration (several times per apply, plan and destroy),
 * and `custom_ca_bundle` cannot be configured twice in one process ("unable to add custom RootCAs
 * HTTPClient"), while the run's commands share one provider process.
 */
export function localProviderOverride(): object {
  return {
    provider: {
      aws: {
        access_key: "local-aws",
        secret_key: "local-aws",
        s3_use_path_style: true,
        skip_metadata_api_check: true,
        max_retries: 2,
      },
    },
  };
}

/** AWS_ENDPOINT_URL_<ID> at the local AWS for every service the stack uses; throws NoLocalEndpoint as servicesOfStack does. */
export function localEndpointVariables(stack: TerraformJson, endpoint: string): Record<string, string> {
  return Object.fromEntries(
    servicesOfStack(stack).map((service) => {
      const id = ENDPOINT_VARIABLE_ID[service];
      if (id === undefined) throw new Error(`local/endpoints.ts maps types to the service "${service}" but names no endpoint variable for it`);
      return [`AWS_ENDPOINT_URL_${id}`, endpoint];
    }),
  );
}

/**
 * The environment of the run's AWS provider process: Terraform's, without any endpoint variable of
 * this machine, with every service the stack uses at the local AWS, and the run's CA as the only
 * root Go trusts (SSL_CERT_FILE; SSL_CERT_DIR at a file, so no system folder adds more). The
 * provider can reach the local AWS and no other TLS server, so a service missing here fails; it
 * cannot reach AWS.
 */
export function localProviderEnv(env: NodeJS.ProcessEnv, stack: TerraformJson, aws: { readonly endpoint: string; readonly ca: string }): NodeJS.ProcessEnv {
  const own = Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith("AWS_ENDPOINT_URL")));
  return { ...own, ...localEndpointVariables(stack, aws.endpoint), SSL_CERT_FILE: aws.ca, SSL_CERT_DIR: "/dev/null" };
}
