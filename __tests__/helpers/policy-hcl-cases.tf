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

# A queue policy built with jsonencode around the queue's ARN, the usual way in HCL: the plan holds
# neither its text nor its values, so the TLS and public-principal checks are undecided.
resource "aws_sqs_queue" "hcl_queue" {
  name                    = "policy-cases-hcl-queue"
  sqs_managed_sse_enabled = true
}

resource "aws_sqs_queue_policy" "hcl_queue_policy" {
  queue_url = aws_sqs_queue.hcl_queue.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "sqs:*"
      Resource  = aws_sqs_queue.hcl_queue.arn
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}

# A function wired by HCL references, which a plan shows as references only: its log group is
# found, and so is its S3 trigger, which makes its lack of an on-failure destination a violation.
resource "aws_lambda_function" "hcl_function" {
  function_name = "policy-cases-hcl-function"
  role          = "arn:aws:iam::111122223333:role/policy-cases"
  runtime       = "nodejs22.x"
  handler       = "index.handler"
  s3_bucket     = "policy-cases-code"
  s3_key        = "hcl-function.zip"
}

resource "aws_cloudwatch_log_group" "hcl_function" {
  name              = "/aws/lambda/${aws_lambda_function.hcl_function.function_name}"
  retention_in_days = 14
}

resource "aws_s3_bucket_notification" "hcl_trigger" {
  bucket = "policy-cases-hcl-trigger"
  lambda_function {
    lambda_function_arn = aws_lambda_function.hcl_function.arn
    events              = ["s3:ObjectCreated:*"]
  }
}

# The function's own account as the principal, through a local: the plan shows only the local's
# name, which is no resource of the configuration, so the pack cannot tell the value from "*"
# (and no source condition limits it): undecided.
locals {
  hcl_caller_account = split(":", aws_lambda_function.hcl_function.arn)[4]
}

resource "aws_lambda_permission" "hcl_account_invokes" {
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.hcl_function.function_name
  principal     = local.hcl_caller_account
}
