/**
 * The policy model reads every JSON form Terraform accepts for resources, data sources, outputs
 * and nested blocks: each form in its own `.tf.json` file, checked on its own (synthesized JSON)
 * and, all together, through a real offline `terraform plan` (plan JSON), where Terraform must
 * accept every file and the pack must report the same. What the model cannot read is an error
 * naming it (exit 2 on the CLI), never a pass. A property test writes random configurations in
 * random mixtures of the forms and expects the same report as for the plain form.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TerraformIterator } from "cdktf";
import fc from "fast-check";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { checkTerraformJson, CheckResult, PolicyInputError } from "../policies";
import { parseTerraformJson } from "../policies/json";
import { main as policyCli } from "../scripts/policy";
import { withProviderProcess } from "../terraform/provider-process";
import { terraformEnv, terraformOrThrow, writeOfflineOverride } from "../terraform/terraform";
import { Flag, JSON_FORMS, UNREADABLE_CONFIGURATIONS } from "./helpers/policy-forms";
import { synthScope } from "./helpers/synth";

const flags = (result: CheckResult): Flag[] => result.findings.map((f) => [f.rule, f.address] as const).sort();
const suppressedFlags = (result: CheckResult): Flag[] => result.suppressed.map((f) => [f.rule, f.address] as const).sort();
const readText = (text: string) => checkTerraformJson(parseTerraformJson(text));

describe("every JSON form of a synthesized configuration", () => {
  it.each(JSON_FORMS.map((f) => [f.form, f]))("%s", (_, form) => {
    const result = readText(form.text);
    expect(result.kind).toBe("synth");
    expect(flags(result)).toEqual([...form.synth].sort());
    expect(suppressedFlags(result)).toEqual([...(form.suppressed ?? [])].sort());
  });

  it("reads the iterator of a dynamic block over a literal list, and reports one over a variable as undecided", () => {
    const literal = readText(JSON_FORMS.find((f) => f.file === "dynamic-literal")!.text).findings;
    expect(literal.map((f) => [f.message, f.undecided])).toEqual([["its ingress rule on port 22 allows inbound traffic from 0.0.0.0/0", false]]);
    const variable = readText(JSON_FORMS.find((f) => f.file === "dynamic-variable")!.text).findings;
    expect(variable.map((f) => [f.message, f.undecided])).toEqual([
      ["cannot be decided before apply: the source of its ingress rule on port 22 is known only after apply", true],
    ]);
  });

  it("reports a nested block written as an expression (known only after apply) as undecided, never as none", () => {
    const config = {
      resource: {
        aws_security_group: { by_variable: { name: "v", description: "rules from a variable", ingress: "${var.rules}" } },
        aws_iam_role_policy: { by_variable: { role: "r", policy: "${data.aws_iam_policy_document.by_variable.json}" } },
        aws_launch_template: {
          by_variable: { name: "t", metadata_options: { http_tokens: "required" }, block_device_mappings: "${var.disks}", network_interfaces: ["${var.nic}"] },
        },
        aws_kinesis_firehose_delivery_stream: {
          by_variable: { name: "s", destination: "extended_s3", server_side_encryption: { enabled: true }, extended_s3_configuration: "${var.destination}" },
        },
        aws_lambda_function: {
          by_variable: {
            function_name: "f",
            role: "arn:aws:iam::111122223333:role/f",
            logging_config: { log_group: "${aws_cloudwatch_log_group.by_variable.name}" },
          },
        },
        aws_cloudwatch_log_group: { by_variable: { name: "/aws/lambda/f", retention_in_days: 7 } },
        aws_s3_bucket_notification: { by_variable: { bucket: "b", lambda_function: "${var.triggers}" } },
      },
      data: { aws_iam_policy_document: { by_variable: { statement: "${var.statements}" } } },
    };
    const findings = checkTerraformJson(config).findings.map((f) => [f.rule, f.address, f.undecided]);
    expect(findings).toEqual(
      expect.arrayContaining([
        ["LAB-NET-1", "aws_security_group.by_variable", true],
        ["LAB-NET-2", "aws_security_group.by_variable", true],
        ["LAB-IAM-1", "aws_iam_role_policy.by_variable", true],
        ["LAB-EC2-2", "aws_launch_template.by_variable", true],
        ["LAB-EC2-5", "aws_launch_template.by_variable", true],
        ["LAB-KDF-3", "aws_kinesis_firehose_delivery_stream.by_variable", true],
        ["LAB-LAMBDA-3", "aws_lambda_function.by_variable", true],
      ]),
    );
  });

  it("reports ingress rules made by a cdktf iterator (a for expression over the list) as undecided, never as none", () => {
    const json = synthScope((scope) => {
      const cidrs = TerraformIterator.fromList(["10.0.0.0/8", "0.0.0.0/0"]);
      new SecurityGroup(scope, "iterated", {
        name: "iterated",
        description: "rules from an iterator",
        ingress: cidrs.dynamic({ description: "ssh", fromPort: 22, toPort: 22, protocol: "tcp", cidrBlocks: [cidrs.value] }),
      });
    });
    expect(json.resource.aws_security_group.iterated.ingress).toMatch(/^\$\{\[ for key, val in /);
    expect(checkTerraformJson(json).findings.map((f) => [f.rule, f.address, f.undecided])).toEqual([
      ["LAB-NET-1", "aws_security_group.iterated", true],
      ["LAB-NET-2", "aws_security_group.iterated", true],
    ]);
  });

  it("reads the dynamic statement blocks a cdktf iterator writes (they were invisible: the policy passed)", () => {
    const json = synthScope((scope) => {
      const actions = TerraformIterator.fromList(["s3:GetObject", "iam:*"]);
      const document = new DataAwsIamPolicyDocument(scope, "iterated", {
        statement: actions.dynamic({ actions: [actions.value], resources: ["arn:aws:s3:::b/*"] }),
      });
      new IamRolePolicy(scope, "iterated-policy", { role: "r", policy: document.json });
    });
    expect(Object.keys(json.data!.aws_iam_policy_document.iterated)).toEqual(["dynamic"]);
    expect(checkTerraformJson(json).findings.map((f) => [f.rule, f.address, f.message])).toEqual([
      [
        "LAB-IAM-1",
        "aws_iam_role_policy.iterated-policy",
        "cannot be decided before apply: the actions of statement 1 (from data.aws_iam_policy_document.iterated) are known only after apply",
      ],
    ]);
  });

  it.each(UNREADABLE_CONFIGURATIONS.map((c) => [c.what, c]))("refuses %s, saying where", (_, c) => {
    let error: unknown;
    try {
      readText(c.text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyInputError);
    expect((error as Error).message).toContain(c.message);
  });
});

describe("parseTerraformJson", () => {
  it("keeps every definition of a repeated property as the array form, and reads everything else as JSON.parse does", () => {
    expect(parseTerraformJson('{"a": {"x": 1}, "b": 2, "a": {"y": 3}, "a": [{"z": 4}]}')).toEqual({ a: [{ x: 1 }, { y: 3 }, { z: 4 }], b: 2 });
    const plain = { s: 'quote " backslash \\ tab \t unicode \u00e9 \ud83d\ude00', n: [0, -1.5e3, 12], t: true, f: false, z: null, nested: [{}, [], [[]]] };
    expect(parseTerraformJson(JSON.stringify(plain, null, 2))).toEqual(plain);
    expect(Object.keys(parseTerraformJson('{"__proto__": {"polluted": true}}') as object)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("says where the text is not JSON", () => {
    const cases: [string, string][] = [
      ['{"a": 1,}', "where a property name was expected at line 1 column 9"],
      ['{"a": 1}\n{"b": 2}', "after the JSON value at line 2 column 1"],
      ['["a"', "unexpected end of input in an array"],
      ['"a\nb"', "a control character inside a string"],
      ['"\\x"', "an invalid escape in a string"],
      ["01", "after the JSON value"],
      ["[".repeat(600), "it nests values deeper than 512 levels"],
    ];
    for (const [text, message] of cases) expect(() => parseTerraformJson(text)).toThrow(message);
  });

  it("reads any JSON value exactly as JSON.parse does when no property repeats", () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => expect(parseTerraformJson(JSON.stringify(value))).toEqual(JSON.parse(JSON.stringify(value)))));
  });
});

/**
 * Random configurations (open and closed security groups, policy documents with broad and narrow
 * statements and the role policies that use them, log groups with and without retention) written
 * in a random mixture of the forms: objects or arrays at each label level, properties split over
 * repeated keys, a body or an array of one body, a statement block as one object or a list. Every
 * mixture must be reported exactly as the plain form is.
 */
describe("any mixture of the forms", () => {
  type Body = Record<string, unknown>;
  type Generated = { kind: "group"; open: boolean } | { kind: "document"; broad: boolean[] } | { kind: "logs"; retention: boolean };

  const resourceArbitrary: fc.Arbitrary<Generated> = fc.oneof(
    fc.record({ kind: fc.constant("group" as const), open: fc.boolean() }),
    fc.record({ kind: fc.constant("document" as const), broad: fc.array(fc.boolean(), { minLength: 1, maxLength: 3 }) }),
    fc.record({ kind: fc.constant("logs" as const), retention: fc.boolean() }),
  );

  function plainConfiguration(resources: Generated[]): { resource: Record<string, Record<string, Body>>; data: Record<string, Record<string, Body>> } {
    const resource: Record<string, Record<string, Body>> = {};
    const data: Record<string, Record<string, Body>> = {};
    const put = (into: Record<string, Record<string, Body>>, type: string, name: string, body: Body) => ((into[type] ??= {})[name] = body);
    resources.forEach((r, i) => {
      const name = `r${i}`;
      if (r.kind === "group") {
        put(resource, "aws_security_group", name, {
          name,
          description: "generated",
          ingress: [{ description: "ssh", from_port: 22, to_port: 22, protocol: "tcp", cidr_blocks: [r.open ? "0.0.0.0/0" : "10.0.0.0/8"] }],
        });
      } else if (r.kind === "document") {
        const statement = r.broad.map((broad) => ({ actions: [broad ? "s3:*" : "s3:GetObject"], resources: ["arn:aws:s3:::generated/*"] }));
        put(data, "aws_iam_policy_document", name, { statement });
        put(resource, "aws_iam_role_policy", name, { role: "generated", policy: `\${data.aws_iam_policy_document.${name}.json}` });
      } else {
        put(resource, "aws_cloudwatch_log_group", name, r.retention ? { name: `/g/${name}`, retention_in_days: 7 } : { name: `/g/${name}` });
      }
    });
    return { resource, data };
  }

  /** Writes `value` (a label level holding `levels` more label levels, then bodies) as JSON text, choosing a form at each step. */
  function write(value: Record<string, unknown>, levels: number, choose: () => number): string {
    const entries = Object.entries(value);
    const member = ([key, child]: [string, unknown]) =>
      `${JSON.stringify(key)}: ${levels === 0 ? writeBody(child as Body, choose) : write(child as Record<string, unknown>, levels - 1, choose)}`;
    // A key repeated over parts of its child (not at the last label level: that would declare a body twice).
    const split = (pairs: [string, unknown][]): string[] =>
      pairs.flatMap(([key, child]) => {
        const childEntries = Object.entries(child as Record<string, unknown>);
        if (levels === 0 || childEntries.length < 2 || choose() % 3 !== 0) return [member([key, child])];
        const at = 1 + (choose() % (childEntries.length - 1));
        return [member([key, Object.fromEntries(childEntries.slice(0, at))]), member([key, Object.fromEntries(childEntries.slice(at))])];
      });
    switch (choose() % 3) {
      case 0:
        return `{${split(entries).join(", ")}}`;
      case 1: {
        // An array of objects, each holding some of the properties, in order.
        const members = split(entries);
        const parts: string[][] = [];
        for (const m of members)
          if (parts.length === 0 || choose() % 2 === 0) parts.push([m]);
          else parts[parts.length - 1].push(m);
        return `[${parts.map((p) => `{${p.join(", ")}}`).join(", ")}]`;
      }
      default:
        return `[{${split(entries).join(", ")}}]`;
    }
  }

  /** A body, or an array of one body; a statement list as one object, a list, or repeated keys. */
  function writeBody(body: Body, choose: () => number): string {
    const members = Object.entries(body).map(([key, value]) => {
      if (key !== "statement") return [`${JSON.stringify(key)}: ${JSON.stringify(value)}`];
      const statements = value as unknown[];
      switch (choose() % 3) {
        case 0:
          return [`"statement": ${JSON.stringify(statements)}`];
        case 1:
          return statements.map((s) => `"statement": ${JSON.stringify(s)}`);
        default:
          return statements.map((s) => `"statement": [${JSON.stringify(s)}]`);
      }
    });
    const text = `{${members.flat().join(", ")}}`;
    return choose() % 2 === 0 ? text : `[${text}]`;
  }

  it("is reported exactly as the plain form is", () => {
    fc.assert(
      fc.property(fc.array(resourceArbitrary, { minLength: 1, maxLength: 8 }), fc.infiniteStream(fc.nat()), (resources, choices) => {
        const plain = plainConfiguration(resources);
        const iterator = choices[Symbol.iterator]();
        const choose = () => iterator.next().value as number;
        const blocks = Object.fromEntries(Object.entries(plain).filter(([, v]) => Object.keys(v).length > 0));
        const text = write(blocks, 2, choose);
        const expected = checkTerraformJson(plain);
        const actual = readText(text);
        expect({ text, findings: actual.findings }).toEqual({ text, findings: expected.findings });
        expect(actual.resourceCount).toBe(expected.resourceCount);
      }),
      { numRuns: 200 },
    );
  });
});

describe("the plan of every form, from real Terraform", () => {
  // Made in beforeAll, which a filtered run skips together with afterAll.
  let dir: string;
  let plan: Record<string, unknown>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "lab-policy-forms-"));
    for (const form of JSON_FORMS) writeFileSync(join(dir, `${form.file}.tf.json`), form.text);
    writeFileSync(
      join(dir, "providers.tf.json"),
      JSON.stringify({
        terraform: { required_providers: { aws: { source: "hashicorp/aws", version: "5.100.0" } } },
        provider: { aws: { region: "us-east-1" } },
      }),
    );
    writeOfflineOverride(dir);
    terraformOrThrow(dir, ["init", "-input=false"]);
    plan = withProviderProcess(dir, terraformEnv(), (env) => {
      terraformOrThrow(dir, ["plan", "-input=false", "-out=forms.tfplan"], env);
      return JSON.parse(terraformOrThrow(dir, ["show", "-json", "forms.tfplan"], env).stdout);
    });
  }, 300_000); // init and plan: minutes on a loaded machine
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("accepts every form, and the pack reports on the plan what it reports on each file", () => {
    const result = checkTerraformJson(plan);
    expect(result.kind).toBe("plan");
    expect(flags(result)).toEqual(JSON_FORMS.flatMap((f) => f.plan ?? f.synth).sort());
    expect(suppressedFlags(result)).toEqual(JSON_FORMS.flatMap((f) => f.suppressed ?? []).sort());
  });

  /** The plan with one change made to a copy. */
  const changed = (change: (p: Record<string, any>) => void) => {
    const copy = JSON.parse(JSON.stringify(plan));
    change(copy);
    return copy;
  };
  const openGroup = (p: Record<string, any>) => p.resource_changes.findIndex((rc: { address: string }) => rc.address === "aws_security_group.resource_array");

  it("reads a resource the planned values hold but no change does (never drops it)", () => {
    const cut = changed((p) => {
      p.resource_changes.splice(openGroup(p), 1);
    });
    expect(flags(checkTerraformJson(cut))).toContainEqual(["LAB-NET-1", "aws_security_group.resource_array"]);
  });

  it("refuses what it cannot read, saying where", () => {
    const cases: [string, (p: Record<string, any>) => void, string][] = [
      ["resource_changes not an array", (p) => (p.resource_changes = { a: p.resource_changes[0] }), "the plan's resource_changes is an object, not an array"],
      ["a change that is not an object", (p) => (p.resource_changes[0] = "aws_security_group.x"), "the plan's resource_changes[0] is a string"],
      [
        "a change without its change",
        (p) => delete p.resource_changes[openGroup(p)].change,
        "(aws_security_group.resource_array) has no change (it is missing)",
      ],
      ["a change without actions", (p) => (p.resource_changes[openGroup(p)].change.actions = "create"), "change.actions is a string"],
      ["a change of an unknown mode", (p) => (p.resource_changes[openGroup(p)].mode = "other"), 'has mode a string ("other"), not "managed" or "data"'],
      ["an address changed twice", (p) => p.resource_changes.push(p.resource_changes[openGroup(p)]), "repeats aws_security_group.resource_array"],
      [
        "a resource configured twice",
        (p) => p.configuration.root_module.resources.push(p.configuration.root_module.resources[0]),
        "the plan's configuration.root_module declares",
      ],
      [
        "module calls that are not an object",
        (p) => (p.configuration.root_module.module_calls = []),
        "configuration.root_module.module_calls is an array, not an object",
      ],
      ["planned values that are not an object", (p) => (p.planned_values = []), "the plan's planned_values is an array, not an object"],
      [
        "values nested deeper than the pack reads",
        (p) => (p.resource_changes[openGroup(p)].change.after.tags = JSON.parse(`${"[".repeat(150)}${"]".repeat(150)}`)),
        "aws_security_group.resource_array (its planned values) nests values more than 100 levels deep",
      ],
    ];
    for (const [what, change, message] of cases) {
      expect({
        what,
        error: (() => {
          try {
            checkTerraformJson(changed(change));
            return "no error";
          } catch (e) {
            return e instanceof PolicyInputError ? e.message : `not a PolicyInputError: ${String(e)}`;
          }
        })(),
      }).toEqual({ what, error: expect.stringContaining(message) });
    }
  });

  it("npm run policy exits 1 on every form with findings, 0 on a clean one, and 2 with one line on what it cannot read", () => {
    const run = (text: string) => {
      const file = join(dir, "input.json");
      writeFileSync(file, text);
      const errors: string[] = [];
      const status = policyCli(
        [file],
        () => undefined,
        (t) => errors.push(t),
      );
      return { status, errors };
    };
    for (const form of JSON_FORMS) {
      const { status, errors } = run(form.text);
      expect({ form: form.form, status, errors }).toEqual({ form: form.form, status: form.synth.length > 0 ? 1 : 0, errors: [] });
    }
    for (const c of UNREADABLE_CONFIGURATIONS) {
      const { status, errors } = run(c.text);
      expect({ what: c.what, status, lines: errors.length }).toEqual({ what: c.what, status: 2, lines: 1 });
      expect(errors[0]).toMatch(/^policy: .*input\.json: /);
      expect(errors[0]).not.toContain("\n");
    }
    const { status, errors } = run(readFileSync(join(dir, "resource-array.tf.json"), "utf8").replace("[", "{"));
    expect({ status, errors }).toEqual({ status: 2, errors: [expect.stringMatching(/input\.json: it is not JSON \(.* at line 1 column \d+\)$/)] });
  });
});
