# Mocked apply of the synthesized lab stack (default analytics engine, micro-batch):
# `terraform test` applies every resource against a mocked AWS provider (no account, no network)
# and checks the wiring on the applied values. Run by __tests__/mock-apply.test.ts, which copies
# this file into the synthesized stack's tests/. (The stream named in the generator's user data
# is checked in Jest: the user data is gzipped and Terraform has no function to unzip it.)
#
# Addresses are cdktf's logical ids (construct path + hash); a refactor that moves a construct
# changes them, and Terraform then names the missing address.

mock_provider "aws" {
  # The provider validates the ARNs it receives, so mocked ARNs must look like ARNs.
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mock-role" }
  }
  mock_resource "aws_iam_instance_profile" {
    defaults = { arn = "arn:aws:iam::123456789012:instance-profile/mock-profile" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:mock" }
  }
  mock_resource "aws_cloudwatch_log_stream" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:mock:log-stream:mock" }
  }
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::mock-lab-bucket", bucket = "mock-lab-bucket", id = "mock-lab-bucket" }
  }
  mock_resource "aws_launch_template" {
    defaults = { id = "lt-0123456789abcdef0" }
  }
  mock_resource "aws_kinesis_firehose_delivery_stream" {
    defaults = { arn = "arn:aws:firehose:us-east-1:123456789012:deliverystream/mock" }
  }
  mock_resource "aws_lambda_function" {
    defaults = { arn = "arn:aws:lambda:us-east-1:123456789012:function:StreamApplication" }
  }
  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:us-east-1:123456789012:StreamApplication-failed-objects" }
  }
}

# Distinct ARNs for the two streams, so that "wired to the source" cannot pass by coincidence.
override_resource {
  target = aws_kinesis_firehose_delivery_stream.source_stream_FCDFD954
  values = { arn = "arn:aws:firehose:us-east-1:123456789012:deliverystream/Source" }
}
override_resource {
  target = aws_kinesis_firehose_delivery_stream.destination_stream_E193FD12
  values = { arn = "arn:aws:firehose:us-east-1:123456789012:deliverystream/Destination" }
}

run "applied_lab_is_wired_as_the_diagram" {
  command = apply

  # Analytics input: every object created under source/ in the lab bucket invokes the function.
  assert {
    # jsonencode on both sides: the events are a set, and a set never equals a tuple literal.
    condition = jsonencode([for f in aws_s3_bucket_notification.analytics_trigger_2CF43D37.lambda_function : [f.lambda_function_arn, f.filter_prefix, f.events]]) == jsonencode([
      [aws_lambda_function.analytics_function_4895F6E1.arn, "source/", ["s3:ObjectCreated:*"]],
    ])
    error_message = "The analytics function must be invoked by objects created under source/, and nothing else."
  }
  assert {
    condition     = aws_s3_bucket_notification.analytics_trigger_2CF43D37.bucket == aws_s3_bucket.bucket_3056591E.id
    error_message = "The trigger must be on the lab bucket."
  }
  # Analytics output: the destination stream, by name (the function's setting) and by permission.
  assert {
    condition     = aws_lambda_function.analytics_function_4895F6E1.environment[0].variables.DESTINATION_STREAM_NAME == aws_kinesis_firehose_delivery_stream.destination_stream_E193FD12.name
    error_message = "The function must send its rows to the destination stream, not ${aws_lambda_function.analytics_function_4895F6E1.environment[0].variables.DESTINATION_STREAM_NAME}."
  }
  assert {
    condition = {
      for s in jsondecode(aws_iam_role_policy.analytics_role_policy_D19842A8.policy).Statement : s.Sid => s.Resource if s.Sid != "WriteLogEvents"
      } == {
      ReadSourceObjects   = "${aws_s3_bucket.bucket_3056591E.arn}/source/*"
      WriteOutputStream   = aws_kinesis_firehose_delivery_stream.destination_stream_E193FD12.arn
      ReportFailedObjects = aws_sqs_queue.analytics_failures_444C1F69.arn
    }
    error_message = "The function's role must read only source/ objects, write only the destination stream and report only to its queue."
  }
  assert {
    condition     = aws_lambda_function_event_invoke_config.analytics_async_9A7F4034.destination_config[0].on_failure[0].destination == aws_sqs_queue.analytics_failures_444C1F69.arn
    error_message = "Objects that fail after the retries must go to the failure queue."
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.generator_role_policy_E1D829EB.policy).Statement : s.Resource if anytrue([for a in flatten([s.Action]) : startswith(a, "firehose:")])] == [
      aws_kinesis_firehose_delivery_stream.source_stream_FCDFD954.arn,
    ]
    error_message = "The generator may put records to the source stream only: ${aws_iam_role_policy.generator_role_policy_E1D829EB.policy}"
  }

  assert {
    condition = [
      for s in [aws_kinesis_firehose_delivery_stream.source_stream_FCDFD954, aws_kinesis_firehose_delivery_stream.destination_stream_E193FD12] :
      [s.name, s.extended_s3_configuration[0].bucket_arn, s.extended_s3_configuration[0].prefix, s.extended_s3_configuration[0].error_output_prefix, s.extended_s3_configuration[0].buffering_size, s.extended_s3_configuration[0].buffering_interval]
      ] == [
      ["Source", aws_s3_bucket.bucket_3056591E.arn, "source/", "errors/source/!{firehose:error-output-type}/", 1, 60],
      ["Destination", aws_s3_bucket.bucket_3056591E.arn, "destination/", "errors/destination/!{firehose:error-output-type}/", 1, 60],
    ]
    error_message = "Both streams must deliver into the lab bucket under their own prefixes, buffered 1 MiB / 60 s."
  }
  assert {
    condition = contains(
      flatten([for s in jsondecode(aws_iam_role_policy.source_role_policy_8C600E18.policy).Statement : s.Resource]),
      "${aws_s3_bucket.bucket_3056591E.arn}/source/*",
    )
    error_message = "The source stream's role must be allowed to write under source/."
  }
}
