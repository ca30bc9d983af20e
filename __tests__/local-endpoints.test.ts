/**
 * A local run can never reach AWS: every service the synthesized stack uses gets the local
 * endpoint, derived from its resource types, and a type whose service has no local endpoint is
 * refused before anything starts.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveSettings } from "../config/settings";
import { EMULATOR_DIFFERENCES } from "../local/emulator-differences";
import { localEndpointVariables, localProviderEnv, localProviderOverride, NoLocalEndpoint, serviceOf, servicesOfStack } from "../local/endpoints";
import { localAwsEnv } from "../local/local-aws";
import { synthLocalStack } from "../local/local-stack";
import { synthLab } from "./helpers/synth";

const scratch = mkdtempSync(join(tmpdir(), "lab-local-endpoints-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("services of the lab's resource types", () => {
  const stack = synthLab().json;

  it("are exactly the services the default stack uses, plus STS for the provider's own identity check", () => {
    expect(servicesOfStack(stack)).toEqual(["ec2", "firehose", "iam", "lambda", "logs", "s3", "sqs", "sts"]);
  });

  it("map each type by its family, not by a loose prefix", () => {
    expect(serviceOf("aws_route_table_association")).toBe("ec2");
    expect(serviceOf("aws_vpc_security_group_egress_rule")).toBe("ec2");
    expect(serviceOf("aws_s3_bucket_notification")).toBe("s3");
    expect(serviceOf("aws_iam_policy_document")).toBeUndefined(); // computed by the provider, no API call
    expect(() => serviceOf("aws_route53_zone")).toThrow(NoLocalEndpoint);
    expect(() => serviceOf("aws_s3control_bucket")).toThrow(NoLocalEndpoint);
  });

  it("refuse a stack with a resource of a service that has no local endpoint, naming the type", () => {
    const withTopic = { ...stack, resource: { ...stack.resource, aws_sns_topic: { alerts: { name: "alerts" } } } };
    expect(() => servicesOfStack(withTopic)).toThrow(
      "aws_sns_topic: its AWS service has no endpoint in the local run, so it would reach AWS; map it in local/endpoints.ts (and check that moto emulates it)",
    );
  });

  it("refuse a data source the same way", () => {
    expect(() => servicesOfStack({ data: { aws_ssm_parameter: { ami: {} } } })).toThrow(/^aws_ssm_parameter: its AWS service has no endpoint/);
  });

  it("refuse the discontinued analytics application, saying which engine runs locally", () => {
    const settings = resolveSettings({ env: { LAB_ANALYTICS_ENGINE: "kinesis-analytics-sql" } });
    expect(() => synthLocalStack(settings, join(scratch, "legacy"), {})).toThrow(
      "aws_kinesis_analytics_application: Kinesis Data Analytics for SQL is discontinued and moto has no such service; the local run needs LAB_ANALYTICS_ENGINE=micro-batch (the default)",
    );
  });
});

describe("the provider override of a local run", () => {
  it("gives the provider dummy credentials and no endpoints block (its validation costs about 3 s of CPU per command)", () => {
    expect(localProviderOverride()).toEqual({
      provider: { aws: { access_key: "local-aws", secret_key: "local-aws", s3_use_path_style: true, skip_metadata_api_check: true, max_retries: 2 } },
    });
  });

  it("sends every service the stack uses to the local endpoint through the provider process's environment, trusting only the run's CA", () => {
    const env = localProviderEnv({ PATH: "/bin", AWS_ENDPOINT_URL: "https://elsewhere", AWS_ENDPOINT_URL_SNS: "https://elsewhere" }, synthLab().json, {
      endpoint: "https://127.0.0.1:4566",
      ca: "/run/ca.pem",
    });
    const at = "https://127.0.0.1:4566";
    expect(env).toEqual({
      PATH: "/bin",
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: at,
      AWS_ENDPOINT_URL_EC2: at,
      AWS_ENDPOINT_URL_FIREHOSE: at,
      AWS_ENDPOINT_URL_IAM: at,
      AWS_ENDPOINT_URL_LAMBDA: at,
      AWS_ENDPOINT_URL_S3: at,
      AWS_ENDPOINT_URL_SQS: at,
      AWS_ENDPOINT_URL_STS: at,
      SSL_CERT_FILE: "/run/ca.pem",
      SSL_CERT_DIR: "/dev/null",
    });
  });

  it("refuses a stack with a service it has no endpoint for, as servicesOfStack does", () => {
    expect(() => localEndpointVariables({ resource: { aws_sns_topic: { t: {} } } }, "https://127.0.0.1:4566")).toThrow(
      /^aws_sns_topic: its AWS service has no endpoint/,
    );
  });

  it("is written next to cdk.tf.json of a folder of the run's own, never into cdktf.out", () => {
    const stack = synthLocalStack(resolveSettings({}), join(scratch, "run", "cdktf.out"), {});
    expect(stack.stackDir).toBe(join(scratch, "run", "cdktf.out", "stacks", "streaming-lab"));
    expect(JSON.parse(readFileSync(join(stack.stackDir, "cdk.tf.json"), "utf8")).resource.aws_s3_bucket).toBeDefined();
  });
});

describe("the list of emulator differences", () => {
  it("is in the README, one row per difference with its words, and nothing else is", () => {
    const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
    const rows = readme.split("\n").filter((line) => /^\| `[a-z0-9-]+` \| /.test(line) && line.split(" | ").length === 4);
    const cell = (text: string) => text.replace(/\|/g, "\\|");
    expect(rows).toEqual(EMULATOR_DIFFERENCES.map((d) => `| \`${d.id}\` | ${cell(d.what)} | ${cell(d.cause)} | ${cell(d.handling)} |`));
  });

  it("names each difference once", () => {
    expect(new Set(EMULATOR_DIFFERENCES.map((d) => d.id)).size).toBe(EMULATOR_DIFFERENCES.length);
  });
});

describe("the environment of the local run's children (generator, function, verifier, Terraform)", () => {
  const aws = { endpoint: "https://127.0.0.1:4566", ca: "/run/ca.pem", pid: 1 };

  it("drops every AWS variable and CA bundle of this machine and sets the local ones", () => {
    const env = localAwsEnv(aws, "eu-west-1", {
      PATH: "/usr/bin",
      LAB_SOURCE_PREFIX: "raw/",
      AWS_PROFILE: "production",
      AWS_SESSION_TOKEN: "real-token",
      AWS_ENDPOINT_URL_DYNAMODB: "https://dynamodb.eu-west-1.amazonaws.com",
      AWS_CA_BUNDLE: "/etc/ssl/certs/ca-certificates.crt",
      NODE_EXTRA_CA_CERTS: "/etc/ssl/certs/ca-certificates.crt",
      REQUESTS_CA_BUNDLE: "/etc/ssl/certs/ca-certificates.crt",
    });
    expect(env).toEqual({
      PATH: "/usr/bin",
      LAB_SOURCE_PREFIX: "raw/",
      AWS_ACCESS_KEY_ID: "local-aws",
      AWS_SECRET_ACCESS_KEY: "local-aws",
      AWS_REGION: "eu-west-1",
      AWS_DEFAULT_REGION: "eu-west-1",
      AWS_ENDPOINT_URL: "https://127.0.0.1:4566",
      AWS_ENDPOINT_URL_S3: "https://127.0.0.1:4566",
      AWS_CA_BUNDLE: "/run/ca.pem",
      NODE_EXTRA_CA_CERTS: "/run/ca.pem",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    });
  });
});
