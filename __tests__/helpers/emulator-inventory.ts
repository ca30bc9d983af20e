/**
 * What the local AWS holds, as its own list APIs answer, for every kind of thing the lab creates:
 * buckets, streams, functions, queues, roles and instance profiles, log groups, and the network
 * (VPCs, subnets, security groups, gateways, route tables, launch templates, flow logs, instances
 * not terminated). Used to prove a destroy leaves nothing behind. The SDK clients the project has
 * are used where there is one; EC2, IAM and CloudWatch Logs are asked with their plain query/JSON
 * protocols (moto routes by the signature's credential scope and checks no signature).
 */
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { FirehoseClient, ListDeliveryStreamsCommand } from "@aws-sdk/client-firehose";
import { LambdaClient, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { ListQueuesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { LOCAL_CREDENTIALS, localClientConfig, LocalAwsEndpoint } from "../../local/local-aws";

export type Inventory = Record<string, string[]>;

function call(aws: LocalAwsEndpoint, region: string, service: string, body: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      aws.endpoint,
      {
        method: "POST",
        ca: readFileSync(aws.ca),
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: `AWS4-HMAC-SHA256 Credential=${LOCAL_CREDENTIALS.accessKeyId}/20260101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
          ...headers,
        },
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () =>
          res.statusCode === 200 ? resolve(text) : reject(new Error(`${service} ${body}: HTTP ${String(res.statusCode)}: ${text.slice(0, 300)}`)),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** The distinct values of one XML element in a query-protocol answer. */
function values(xml: string, element: string): string[] {
  return [...new Set([...xml.matchAll(new RegExp(`<${element}>([^<]*)</${element}>`, "g"))].map((m) => m[1]))];
}

export async function emulatorInventory(aws: LocalAwsEndpoint, region: string): Promise<Inventory> {
  const config = localClientConfig(aws, region);
  const ec2 = (action: string, element: string, extra = "") =>
    call(aws, region, "ec2", `Action=${action}&Version=2016-11-15${extra}`).then((xml) => values(xml, element));
  const iam = (action: string, element: string) => call(aws, region, "iam", `Action=${action}&Version=2010-05-08`).then((xml) => values(xml, element));
  const liveStates = ["pending", "running", "shutting-down", "stopping", "stopped"].map((s, i) => `&Filter.1.Value.${i + 1}=${s}`).join("");
  const inventory: Inventory = {
    buckets: ((await new S3Client(config).send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name!),
    deliveryStreams: (await new FirehoseClient(config).send(new ListDeliveryStreamsCommand({}))).DeliveryStreamNames ?? [],
    functions: ((await new LambdaClient(config).send(new ListFunctionsCommand({}))).Functions ?? []).map((f) => f.FunctionName!),
    queues: (await new SQSClient(config).send(new ListQueuesCommand({}))).QueueUrls ?? [],
    roles: await iam("ListRoles", "RoleName"),
    instanceProfiles: await iam("ListInstanceProfiles", "InstanceProfileName"),
    logGroups: (
      JSON.parse(
        await call(aws, region, "logs", "{}", { "content-type": "application/x-amz-json-1.1", "x-amz-target": "Logs_20140328.DescribeLogGroups" }),
      ) as { logGroups: Array<{ logGroupName: string }> }
    ).logGroups.map((g) => g.logGroupName),
    vpcs: await ec2("DescribeVpcs", "vpcId"),
    subnets: await ec2("DescribeSubnets", "subnetId"),
    securityGroups: await ec2("DescribeSecurityGroups", "groupId"),
    internetGateways: await ec2("DescribeInternetGateways", "internetGatewayId"),
    routeTables: await ec2("DescribeRouteTables", "routeTableId"),
    launchTemplates: await ec2("DescribeLaunchTemplates", "launchTemplateId"),
    flowLogs: await ec2("DescribeFlowLogs", "flowLogId"),
    // Terminated instances stay listed for a while on AWS too; only live ones count.
    instances: await ec2("DescribeInstances", "instanceId", `&Filter.1.Name=instance-state-name${liveStates}`),
  };
  return Object.fromEntries(Object.entries(inventory).map(([kind, names]) => [kind, [...names].sort()]));
}
