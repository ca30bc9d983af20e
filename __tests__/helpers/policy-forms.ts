/**
 * The forms Terraform's JSON syntax accepts for resources, data sources, outputs and nested
 * blocks, each written as the text of one `.tf.json` file (text, because some forms repeat a
 * property name, which a JSON object cannot hold). Every file is valid Terraform: the forms test
 * plans them all together with real Terraform. Each breaks a rule the pack must report, in the
 * synthesized file and in the plan, unless it says otherwise.
 */

/** A rule broken by a resource: [rule id, address]. */
export type Flag = readonly [string, string];

export interface JsonForm {
  /** What is special about the form. */
  readonly form: string;
  /** A file name for it (`<file>.tf.json`). */
  readonly file: string;
  readonly text: string;
  /** What the pack must report on the file alone. */
  readonly synth: readonly Flag[];
  /** What it must report on the plan, when that differs (a variable is known at plan). */
  readonly plan?: readonly Flag[];
  /** What a suppression carried in the file must cover. */
  readonly suppressed?: readonly Flag[];
}

const ingressRule = (cidr: string) => ({
  description: "ssh",
  from_port: 22,
  to_port: 22,
  protocol: "tcp",
  cidr_blocks: [cidr],
  ipv6_cidr_blocks: [],
  prefix_list_ids: [],
  security_groups: [],
  self: false,
});
/** A described security group with one inline SSH rule from `cidr` (0.0.0.0/0: LAB-NET-1 fails). */
const group = (name: string, cidr = "0.0.0.0/0") =>
  JSON.stringify({ name: `form-${name}`, description: "a form of Terraform JSON", ingress: [ingressRule(cidr)] });
const dynamicContent = (cidrs: string) => ({ description: "ssh", from_port: 22, to_port: 22, protocol: "tcp", cidr_blocks: [cidrs] });
const rolePolicy = (document: string) => JSON.stringify({ role: "form-role", policy: `\${data.aws_iam_policy_document.${document}.json}` });
const j = (value: unknown) => JSON.stringify(value);

const open = (name: string): Flag => ["LAB-NET-1", `aws_security_group.${name}`];

export const JSON_FORMS: readonly JsonForm[] = [
  {
    form: '"resource" as an array of objects',
    file: "resource-array",
    text: `{"resource": [{"aws_security_group": {"resource_array": ${group("resource-array")}}}]}`,
    synth: [open("resource_array")],
  },
  {
    form: "a resource type mapped to an array of objects",
    file: "type-array",
    text: `{"resource": {"aws_security_group": [{"type_array": ${group("type-array")}}]}}`,
    synth: [open("type_array")],
  },
  {
    form: "a resource name mapped to an array of bodies",
    file: "name-array",
    text: `{"resource": {"aws_security_group": {"name_array": [${group("name-array")}]}}}`,
    synth: [open("name_array")],
  },
  {
    form: "the file as an array of objects",
    file: "file-array",
    text: `[{"resource": {"aws_security_group": {"file_array": ${group("file-array")}}}}]`,
    synth: [open("file_array")],
  },
  {
    form: "arrays at every level at once",
    file: "every-level-array",
    text: `[{"resource": [{"aws_security_group": [{"every_level": [${group("every-level")}]}]}]}]`,
    synth: [open("every_level")],
  },
  {
    form: '"resource" repeated in one object (the first one is not lost)',
    file: "resource-repeated",
    text: `{"resource": {"aws_security_group": {"repeated_first": ${group("repeated-first")}}}, "resource": {"aws_security_group": {"repeated_second": ${group("repeated-second", "10.0.0.0/8")}}}}`,
    synth: [open("repeated_first")],
  },
  {
    form: "a resource type repeated in one object",
    file: "type-repeated",
    text: `{"resource": {"aws_security_group": {"type_repeated_first": ${group("type-repeated-first")}}, "aws_security_group": {"type_repeated_second": ${group("type-repeated-second", "10.0.0.0/8")}}}}`,
    synth: [open("type_repeated_first")],
  },
  {
    form: "a dynamic ingress block over a literal list (each element checked)",
    file: "dynamic-literal",
    text: j({
      resource: {
        aws_security_group: {
          dynamic_literal: {
            name: "form-dynamic-literal",
            description: "a form of Terraform JSON",
            dynamic: { ingress: { for_each: ["10.0.0.0/8", "0.0.0.0/0"], content: dynamicContent("${ingress.value}") } },
          },
        },
      },
    }),
    synth: [open("dynamic_literal")],
  },
  {
    form: "a dynamic ingress block over a literal list of private networks (clean)",
    file: "dynamic-clean",
    text: j({
      resource: {
        aws_security_group: {
          dynamic_clean: {
            name: "form-dynamic-clean",
            description: "a form of Terraform JSON",
            dynamic: { ingress: { for_each: ["10.0.0.0/8", "192.168.0.0/16"], content: dynamicContent("${ingress.value}") } },
          },
        },
      },
    }),
    synth: [],
  },
  {
    form: "dynamic blocks in array form, over a map, with a named iterator",
    file: "dynamic-arrays",
    text: j({
      resource: {
        aws_security_group: {
          dynamic_arrays: [
            {
              name: "form-dynamic-arrays",
              description: "a form of Terraform JSON",
              dynamic: [{ ingress: [{ for_each: { ssh: { cidr: "0.0.0.0/0" } }, iterator: "rule", content: [dynamicContent("${rule.value.cidr}")] }] }],
            },
          ],
        },
      },
    }),
    synth: [open("dynamic_arrays")],
  },
  {
    form: "a dynamic ingress block over a variable (known only at plan)",
    file: "dynamic-variable",
    text: j({
      variable: { form_cidrs: { type: "list(string)", default: ["10.0.0.0/8"] } },
      resource: {
        aws_security_group: {
          dynamic_variable: {
            name: "form-dynamic-variable",
            description: "a form of Terraform JSON",
            dynamic: { ingress: { for_each: "${var.form_cidrs}", content: dynamicContent("${ingress.value}") } },
          },
        },
      },
    }),
    // Undecided in the file (the variable may be anything); the plan knows it is private.
    synth: [open("dynamic_variable")],
    plan: [],
  },
  {
    form: '"data" as arrays at every level, a statement block written as one object',
    file: "data-arrays",
    text: `{"data": [{"aws_iam_policy_document": [{"data_arrays": [{"statement": {"actions": ["*"], "resources": ["arn:aws:s3:::form-bucket/*"]}}]}]}], "resource": {"aws_iam_role_policy": {"data_arrays": ${rolePolicy("data_arrays")}}}}`,
    synth: [["LAB-IAM-1", "aws_iam_role_policy.data_arrays"]],
  },
  {
    form: "a statement block repeated in one body (the first one is not lost)",
    file: "statement-repeated",
    text: `{"data": {"aws_iam_policy_document": {"statement_repeated": {"statement": {"actions": ["iam:*"], "resources": ["arn:aws:iam::111122223333:role/form"]}, "statement": {"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::form-bucket/*"]}}}}, "resource": {"aws_iam_role_policy": {"statement_repeated": ${rolePolicy("statement_repeated")}}}}`,
    synth: [["LAB-IAM-1", "aws_iam_role_policy.statement_repeated"]],
  },
  {
    form: "a dynamic statement block",
    file: "dynamic-statement",
    text: j({
      data: {
        aws_iam_policy_document: {
          dynamic_statement: {
            dynamic: {
              statement: { for_each: ["kms:*"], content: { actions: ["${statement.value}"], resources: ["arn:aws:kms:us-east-1:111122223333:key/form"] } },
            },
          },
        },
      },
      resource: { aws_iam_role_policy: { dynamic_statement: JSON.parse(rolePolicy("dynamic_statement")) } },
    }),
    synth: [["LAB-IAM-1", "aws_iam_role_policy.dynamic_statement"]],
  },
  {
    form: '"output" as arrays (the suppression it carries is honoured)',
    file: "output-arrays",
    text: j({
      resource: { aws_cloudwatch_log_group: { output_arrays: { name: "/form/output-arrays" } } },
      output: [
        {
          lab_policy_suppressions: [
            { value: j([{ rule: "LAB-LOG-1", address: "aws_cloudwatch_log_group.output_arrays", reason: "kept without limit for the forms test" }]) },
          ],
        },
      ],
    }),
    synth: [],
    suppressed: [["LAB-LOG-1", "aws_cloudwatch_log_group.output_arrays"]],
  },
];

/** Files Terraform refuses, or the pack cannot read: each must be an error naming what is wrong, never a pass. */
export const UNREADABLE_CONFIGURATIONS: readonly { readonly what: string; readonly text: string; readonly message: string }[] = [
  {
    what: "a resource type mapped to a string",
    text: '{"resource": {"aws_security_group": "open"}}',
    message: 'resource.aws_security_group is a string ("open"): Terraform\'s JSON syntax allows an object, or an array of objects, here',
  },
  {
    what: "a resource body that is a string",
    text: '{"resource": {"aws_security_group": {"open": "0.0.0.0/0"}}}',
    message: "resource.aws_security_group.open is a string",
  },
  { what: "a resource body that is null", text: '{"resource": {"aws_security_group": {"open": null}}}', message: "resource.aws_security_group.open is null" },
  {
    what: "a resource body array holding a number",
    text: `{"resource": {"aws_security_group": {"open": [${group("x")}, 3]}}}`,
    message: "resource.aws_security_group.open[1] is a number (3)",
  },
  { what: '"resource" as an array holding a string', text: '{"resource": ["aws_security_group"]}', message: "resource[0] is a string" },
  { what: '"resource" as a string', text: '{"resource": "aws_security_group"}', message: "resource is a string" },
  { what: '"data" as a number', text: '{"data": 1}', message: "data is a number (1)" },
  { what: "the file as an array holding a string", text: '[{"resource": {}}, "x"]', message: "the configuration[1] is a string" },
  {
    what: "two bodies for one name",
    text: `{"resource": {"aws_security_group": {"twice": [${group("a", "10.0.0.0/8")}, ${group("b")}]}}}`,
    message: "aws_security_group.twice is declared more than once",
  },
  {
    what: "one address declared in two parts of an array",
    text: `{"resource": [{"aws_security_group": {"twice": ${group("a", "10.0.0.0/8")}}}, {"aws_security_group": {"twice": ${group("b")}}}]}`,
    message: "aws_security_group.twice is declared more than once",
  },
  {
    what: "a name repeated in one object",
    text: `{"resource": {"aws_security_group": {"twice": ${group("a", "10.0.0.0/8")}, "twice": ${group("b")}}}}`,
    message: "aws_security_group.twice is declared more than once",
  },
  {
    what: "a resource name that is not a Terraform name",
    text: `{"resource": {"aws_security_group": {"a.b": ${group("a")}}}}`,
    message: '"a.b" is not a valid resource name',
  },
  { what: "an output declared twice", text: '{"output": [{"o": {"value": 1}}, {"o": {"value": 2}}]}', message: "output o is declared more than once" },
  {
    what: "a module call (its resources are not in the file)",
    text: '{"module": {"network": {"source": "terraform-aws-modules/vpc/aws"}}}',
    message: 'module.network calls a module (source "terraform-aws-modules/vpc/aws") whose resources are not in this file',
  },
  {
    what: "a dynamic block without content",
    text: j({ resource: { aws_security_group: { d: { name: "d", dynamic: { ingress: { for_each: [1] } } } } } }),
    message: 'aws_security_group.d: dynamic "ingress" must have exactly one content block, not 0',
  },
  {
    what: "a dynamic block that is a string",
    text: j({ resource: { aws_security_group: { d: { name: "d", dynamic: "ingress" } } } }),
    message: "aws_security_group.d: dynamic is a string",
  },
  {
    what: "values nested deeper than the pack reads",
    text: `{"resource": {"aws_security_group": {"deep": {"tags": ${"[".repeat(150)}${"]".repeat(150)}}}}}`,
    message: "aws_security_group.deep nests values more than 100 levels deep",
  },
];
