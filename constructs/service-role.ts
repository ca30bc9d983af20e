import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IAM_ROLE_NAME } from "../aws/limits";
import { check } from "../input/allowed";
import { assumeRolePolicy, policyDocument, PolicyStatement } from "./policy-document";

export interface ServiceRoleProps {
  /** Role name: 1-64 characters of letters, digits and +=,.@_- (IAM's rule). */
  readonly name: string;
  /** The one AWS service principal allowed to assume the role, e.g. `firehose.amazonaws.com`. */
  readonly service: string;
  /** What the role is for, shown in the IAM console. */
  readonly description: string;
  /** The role's only permissions, as one inline policy. */
  readonly statements: readonly PolicyStatement[];
}

/**
 * An IAM role for exactly one AWS service, with exactly the permissions given: no managed
 * policies, one inline policy named after the role.
 */
export class ServiceRole extends Construct {
  readonly role: IamRole;
  readonly policy: IamRolePolicy;
  readonly arn: string;
  readonly name: string;

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    check("ServiceRole", "name", props.name, IAM_ROLE_NAME);
    if (props.statements.length === 0) {
      throw new Error(`ServiceRole ${props.name}: statements must not be empty (a role with no permissions is a mistake)`);
    }
    this.role = new IamRole(this, "role", {
      name: props.name,
      description: props.description,
      assumeRolePolicy: assumeRolePolicy(props.service),
    });
    this.policy = new IamRolePolicy(this, "policy", {
      name: props.name,
      role: this.role.id,
      policy: policyDocument(props.statements),
    });
    this.arn = this.role.arn;
    this.name = this.role.name;
  }
}
