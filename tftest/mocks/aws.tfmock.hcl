# Mocked values for `mock_provider "aws"`: the provider validates the ARNs it receives, so mocked
# ARNs must look like ARNs. Shared by every suite in tftest/.

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
