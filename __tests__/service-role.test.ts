import { Construct } from "constructs";
import { policyDocument, PolicyStatement } from "../constructs/policy-document";
import { ServiceRole, ServiceRoleProps } from "../constructs/service-role";
import { ref, resource, statements, synthScope } from "./helpers/synth";

const read: PolicyStatement = { sid: "ReadSource", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::lab/source/*"] };
const role = (props: Partial<ServiceRoleProps>) => (scope: Construct) =>
  new ServiceRole(scope, "role", { name: "lab-firehose", service: "firehose.amazonaws.com", description: "delivers", statements: [read], ...props });

describe("ServiceRole", () => {
  const json = synthScope(role({ statements: [read, { ...read, sid: "Write", effect: "Deny", actions: ["s3:PutObject", "s3:DeleteObject"] }] }));
  const iamRole = resource(json, "aws_iam_role");

  it("lets exactly one service assume it", () => {
    expect(iamRole.body.name).toBe("lab-firehose");
    expect(statements(iamRole.body.assume_role_policy)).toEqual([
      { Effect: "Allow", Principal: { Service: "firehose.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
  });

  it("holds exactly the statements given, as one inline policy named after it, and no managed policy", () => {
    const policy = resource(json, "aws_iam_role_policy").body;
    expect(policy).toEqual(expect.objectContaining({ name: "lab-firehose", role: ref("aws_iam_role", iamRole.key, "id") }));
    expect(statements(policy.policy)).toEqual([
      { Sid: "ReadSource", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::lab/source/*" },
      { Sid: "Write", Effect: "Deny", Action: ["s3:PutObject", "s3:DeleteObject"], Resource: "arn:aws:s3:::lab/source/*" },
    ]);
    expect(json.resource.aws_iam_role_policy_attachment).toBeUndefined();
  });

  it.each([
    [
      "a name of 65 characters",
      { name: "r".repeat(65) },
      `name = "${"r".repeat(65)}" is not allowed: it must be 1-64 characters of letters, digits and +=,.@_-`,
    ],
    ["an empty name", { name: "" }, 'name = "" is not allowed'],
    ["a name with a space", { name: "lab role" }, 'name = "lab role" is not allowed'],
    ["no statements", { statements: [] }, "ServiceRole lab-firehose: statements must not be empty"],
  ])("refuses %s", (_, props, message) => {
    expect(() => synthScope(role(props))).toThrow(message);
  });

  it("takes a name of 64 characters of every kind IAM allows", () => {
    const name = "Ab9+=,.@_-".repeat(6) + "abcd";
    expect(resource(synthScope(role({ name })), "aws_iam_role").body.name).toBe(name);
  });
});

describe("policyDocument", () => {
  it.each([
    ["a statement id with a dash", [{ ...read, sid: "Read-Source" }], 'policyDocument: sid = "Read-Source" is not allowed: it must be letters and digits only'],
    ["an empty statement id", [{ ...read, sid: "" }], 'policyDocument: sid = "" is not allowed'],
    ["a statement with no action", [{ ...read, actions: [] }], "policyDocument: statement ReadSource needs at least one action and one resource"],
    ["a statement with no resource", [{ ...read, resources: [] }], "policyDocument: statement ReadSource needs at least one action and one resource"],
  ])("refuses %s", (_, given, message) => {
    expect(() => policyDocument(given)).toThrow(message);
  });

  it("writes a principal and a condition only when a statement has them", () => {
    const deny: PolicyStatement = { ...read, sid: "TlsOnly", effect: "Deny", principal: "*", condition: { Bool: { "aws:SecureTransport": false } } };
    expect(statements(policyDocument([read, deny]))).toEqual([
      { Sid: "ReadSource", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::lab/source/*" },
      {
        Sid: "TlsOnly",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::lab/source/*",
        Condition: { Bool: { "aws:SecureTransport": false } },
      },
    ]);
  });
});
