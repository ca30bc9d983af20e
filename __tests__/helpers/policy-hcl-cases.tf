# Policy cases written in HCL on purpose, planned next to the synthesized cases: in a plan,
# Terraform renders an HCL expression only as its references (a JSON configuration keeps the
# text), so these prove what the pack does with a value it cannot read before apply.

resource "aws_cloudwatch_log_group" "hcl_logs" {
  name              = "/policy-cases/hcl"
  retention_in_days = 14
}

# The policy is known only after apply and its text is not in the plan: undecided, never a pass.
resource "aws_iam_role_policy" "hcl_template_policy" {
  name = "policy-cases-hcl-template"
  role = "policy-cases"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "logs:PutLogEvents", Resource = "${aws_cloudwatch_log_group.hcl_logs.arn}:*" }]
  })
}

# Read at apply (it references the log group), but its actions are known: "logs:*" is decided.
data "aws_iam_policy_document" "hcl_star" {
  statement {
    actions   = ["logs:*"]
    resources = ["${aws_cloudwatch_log_group.hcl_logs.arn}:*"]
  }
}

resource "aws_iam_role_policy" "hcl_document_policy" {
  name   = "policy-cases-hcl-document"
  role   = "policy-cases"
  policy = data.aws_iam_policy_document.hcl_star.json
}

module "nested" {
  source = "./nested"
}
