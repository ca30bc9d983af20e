"""The launcher's corrections of moto, against moto's own backends (in process, no server)."""
import importlib.util
import os
import unittest

import boto3
from botocore.exceptions import ClientError
from moto import mock_aws

LAUNCHER = os.path.join(os.path.dirname(__file__), "..", "..", "local", "moto_launcher.py")
spec = importlib.util.spec_from_file_location("moto_launcher", LAUNCHER)
moto_launcher = importlib.util.module_from_spec(spec)
spec.loader.exec_module(moto_launcher)
moto_launcher.correct_moto("https://127.0.0.1:4566")


@mock_aws
class RevokeBySecurityGroupRuleId(unittest.TestCase):
    def setUp(self):
        self.ec2 = boto3.client("ec2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        vpc = self.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        groups = self.ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}])
        self.group = groups["SecurityGroups"][0]["GroupId"]
        rules = self.ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [self.group]}])["SecurityGroupRules"]
        self.egress = [r["SecurityGroupRuleId"] for r in rules if r["IsEgress"]]

    def test_revokes_a_rule_the_group_holds(self):
        self.ec2.revoke_security_group_egress(GroupId=self.group, SecurityGroupRuleIds=self.egress)
        rules = self.ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [self.group]}])["SecurityGroupRules"]
        self.assertEqual([r for r in rules if r["IsEgress"]], [])

    def test_answers_a_rule_already_revoked_as_ec2_does(self):
        self.ec2.revoke_security_group_egress(GroupId=self.group, SecurityGroupRuleIds=self.egress)
        with self.assertRaises(ClientError) as again:
            self.ec2.revoke_security_group_egress(GroupId=self.group, SecurityGroupRuleIds=self.egress)
        self.assertEqual(again.exception.response["Error"]["Code"], "InvalidSecurityGroupRuleId.NotFound")

    def test_answers_an_unknown_ingress_rule_the_same_way(self):
        with self.assertRaises(ClientError) as unknown:
            self.ec2.revoke_security_group_ingress(GroupId=self.group, SecurityGroupRuleIds=["sgr-0123456789abcdef0"])
        self.assertEqual(unknown.exception.response["Error"]["Code"], "InvalidSecurityGroupRuleId.NotFound")

    def test_leaves_revoking_by_permission_to_moto(self):
        self.ec2.revoke_security_group_egress(GroupId=self.group, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        with self.assertRaises(ClientError) as again:
            self.ec2.revoke_security_group_egress(GroupId=self.group, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        self.assertEqual(again.exception.response["Error"]["Code"], "InvalidPermission.NotFound")


if __name__ == "__main__":
    unittest.main()
