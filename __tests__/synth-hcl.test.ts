/**
 * `npm run synth:hcl`: the stack as HCL that Terraform accepts without a warning and that says,
 * value for value, what cdk.tf.json says (cdktf's own HCL renderer gets IAM policies, the SQL and
 * depends_on wrong; see scripts/synth-hcl.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cdktfFuzzyRendering, cdktfRendering, differences, hclString, repairHcl, synthHcl } from "../scripts/synth-hcl";
import { withProviderProcess } from "../terraform/provider-process";
import { terraformEnv, terraformOrThrow } from "../terraform/terraform";

describe("HCL strings", () => {
  it.each([
    ["plain", '"plain"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['{"Resource":"${aws_s3_bucket.b.arn}/*"}', '"{\\"Resource\\":\\"${aws_s3_bucket.b.arn}/*\\"}"'],
    ['${jsondecode(x)["key"]} "q"', '"${jsondecode(x)["key"]} \\"q\\""'],
    ["$${not.interpolated} back\\slash", '"$${not.interpolated} back\\\\slash"'],
    ["two\nlines", '"two\\nlines"'],
    ["a heredoc\nends with a newline\n", "<<EOT\na heredoc\nends with a newline\nEOT"],
    ["EOT\nwould end the heredoc\n", '"EOT\\nwould end the heredoc\\n"'],
  ])("writes %j as %s", (value, hcl) => {
    expect(hclString(value)).toBe(hcl);
  });

  it("knows how cdktf renders them wrongly (the repair looks for exactly that text)", () => {
    expect(cdktfRendering('{"a":"${x.y}"}')).toBe('"{"a":"${x.y}"}"'); // quotes left unescaped
    expect(cdktfRendering("sql;\n")).toBe("<<EOF\nsql;\n\nEOF"); // a newline added
  });

  it("knows how cdktf renders untyped values (outputs): JSON-looking strings pass through as expressions", () => {
    expect(cdktfFuzzyRendering('[{"rule":"R"}]')).toBe('[{"rule":"R"}]');
    expect(cdktfFuzzyRendering("plain")).toBe('"plain"');
  });

  it("repairs an output whose string value looks like JSON, where the value stands", () => {
    const json = { output: { o: { value: '[{"rule":"R"}]' } } };
    expect(repairHcl('output "o" {\nvalue = [{"rule":"R"}]\n}\n', json)).toBe('output "o" {\nvalue = "[{\\"rule\\":\\"R\\"}]"\n}\n');
  });

  it("repairs a policy, a trailing-newline string and quoted depends_on, and nothing else", () => {
    const json = { resource: { t: { r: { policy: '{"R":"${a.b.arn}"}', code: "x;\n", name: "n" } } } };
    const broken = `resource "t" "r" {\npolicy = "{"R":"\${a.b.arn}"}"\ncode = <<EOF\nx;\n\nEOF\nname = "n"\ndepends_on = [\n"a.b",\n]\n}\n`;
    expect(repairHcl(broken, json)).toBe(
      `resource "t" "r" {\npolicy = "{\\"R\\":\\"\${a.b.arn}\\"}"\ncode = <<EOT\nx;\nEOT\nname = "n"\ndepends_on = [\na.b,\n]\n}\n`,
    );
  });
});

describe("npm run synth:hcl on the lab stack", () => {
  const outdir = mkdtempSync(join(tmpdir(), "lab-hcl-"));
  let file: string;
  let resources: number;
  beforeAll(async () => {
    ({ file, resources } = await synthHcl(outdir, {}));
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it("writes cdk.tf with every resource, formatted, at the depth that keeps the local state path", () => {
    expect(file).toBe(join(outdir, "stacks", "streaming-lab", "cdk.tf"));
    expect(resources).toBe(43);
    const hcl = readFileSync(file, "utf8");
    expect(hcl).toContain('backend "local" {\n    path = "../../../terraform.streaming-lab.tfstate"\n  }');
    expect(hcl.match(/^resource "/gm)).toHaveLength(43);
  });

  it("passes terraform validate without a warning", () => {
    const dir = join(outdir, "stacks", "streaming-lab");
    terraformOrThrow(dir, ["init", "-input=false", "-backend=false"]);
    const validate = withProviderProcess(dir, terraformEnv(), (env) => terraformOrThrow(dir, ["validate"], env));
    expect(`${validate.stdout}${validate.stderr}`.trim()).toBe("Success! The configuration is valid.");
  });

  it("catches what the repair would miss: a value that reads back differently", async () => {
    const json = { resource: { t: { r: { code: "x;\n" } } } };
    expect(await differences('resource "t" "r" {\n  code = <<EOF\nx;\n\nEOF\n}\n', json)).toEqual([
      'only in JSON: resource.t.r.code = "x;\\n"',
      'only in HCL:  resource.t.r.code = "x;\\n\\n"',
    ]);
    await expect(differences('resource "t" "r" {\n  policy = "{"R":"${a.b}"}"\n}\n', json)).rejects.toThrow("Invalid character");
  });
});
