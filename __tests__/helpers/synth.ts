/** Synthesizing stacks in tests, and reading what they hold. */
import { gunzipSync } from "node:zlib";
import { App, Testing, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { resolveSettings } from "../../config/settings";
import { LabStack } from "../../main";

/** Terraform JSON as cdktf writes it. */
export interface SynthJson {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown }>;
  provider?: Record<string, unknown[]>;
  terraform?: Record<string, unknown>;
}

/** Synthesizes a stack holding whatever `build` adds (with an AWS provider). */
export function synthScope(build: (scope: Construct) => void): SynthJson {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  build(stack);
  return JSON.parse(Testing.synth(stack)) as SynthJson;
}

/** Synthesizes the lab stack with settings from the given environment variables. */
export function synthLab(env: Record<string, string> = {}): { stack: LabStack; json: SynthJson; app: App } {
  const app = Testing.app();
  const stack = new LabStack(app, resolveSettings({ env }));
  return { app, stack, json: JSON.parse(Testing.synth(stack)) as SynthJson };
}

/** All resources of a type, by logical name. */
export function resources(json: SynthJson, type: string): Record<string, Record<string, unknown>> {
  return json.resource[type] ?? {};
}

/** The only resource of a type whose logical name contains `part` (fails when not exactly one). */
export function resource(json: SynthJson, type: string, part = ""): { key: string; body: Record<string, any> } {
  const found = Object.entries(resources(json, type)).filter(([k]) => k.includes(part));
  if (found.length !== 1) {
    throw new Error(`expected one ${type} matching "${part}", found ${found.length}: ${found.map(([k]) => k).join(", ")}`);
  }
  return { key: found[0][0], body: found[0][1] };
}

/** The Terraform reference to an attribute of a resource: `${type.key.attr}`. */
export function ref(type: string, key: string, attribute: string): string {
  return `\${${type}.${key}.${attribute}}`;
}

export interface Statement {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Principal?: unknown;
  Condition?: unknown;
}

/** Parses a policy JSON string (with Terraform references inside) into its statements. */
export function statements(policy: unknown): Statement[] {
  return (JSON.parse(String(policy)) as { Statement: Statement[] }).Statement;
}

export const asList = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

/** The cloud-config the instance boots with, decoded (and gunzipped when compressed) from the launch template. */
export function cloudConfigOf(userDataBase64: string): { text: string; config: any } {
  const bytes = Buffer.from(userDataBase64, "base64");
  const gzipped = bytes[0] === 0x1f && bytes[1] === 0x8b;
  const text = (gzipped ? gunzipSync(bytes) : bytes).toString("utf8");
  const [header, ...rest] = text.split("\n");
  if (header !== "#cloud-config") throw new Error(`user data does not start with #cloud-config: ${header}`);
  return { text, config: JSON.parse(rest.join("\n")) };
}
