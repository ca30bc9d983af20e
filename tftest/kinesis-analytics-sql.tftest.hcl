# Mocked apply of the synthesized lab stack with the legacy analytics engine
# (LAB_ANALYTICS_ENGINE=kinesis-analytics-sql): the application's wiring on the applied values.
# The streams and the generator are the same resources as with the default engine and are
# checked in micro-batch.tftest.hcl.

mock_provider "aws" {
  source = "./tests/mocks"
}

override_resource {
  target = aws_kinesis_firehose_delivery_stream.source_stream_FCDFD954
  values = { arn = "arn:aws:firehose:us-east-1:123456789012:deliverystream/Source" }
}
override_resource {
  target = aws_kinesis_firehose_delivery_stream.destination_stream_E193FD12
  values = { arn = "arn:aws:firehose:us-east-1:123456789012:deliverystream/Destination" }
}

run "applied_application_reads_source_and_writes_destination" {
  command = apply

  assert {
    condition     = aws_kinesis_analytics_application.analytics_application_E09BA461.inputs[0].kinesis_firehose[0].resource_arn == "arn:aws:firehose:us-east-1:123456789012:deliverystream/Source"
    error_message = "The analytics application must read the source stream, not ${aws_kinesis_analytics_application.analytics_application_E09BA461.inputs[0].kinesis_firehose[0].resource_arn}."
  }
  assert {
    condition     = aws_kinesis_analytics_application.analytics_application_E09BA461.inputs[0].name_prefix == "SOURCE_SQL_STREAM"
    error_message = "The in-application input stream must be SOURCE_SQL_STREAM_001 (prefix SOURCE_SQL_STREAM)."
  }
  assert {
    condition = [for o in aws_kinesis_analytics_application.analytics_application_E09BA461.outputs : [o.name, o.kinesis_firehose[0].resource_arn, o.schema[0].record_format_type]] == [
      ["DESTINATION_SQL_BASIC_STREAM", "arn:aws:firehose:us-east-1:123456789012:deliverystream/Destination", "JSON"],
    ]
    error_message = "The analytics output must send DESTINATION_SQL_BASIC_STREAM as JSON to the destination stream, and nothing else."
  }
  assert {
    condition = {
      for s in jsondecode(aws_iam_role_policy.analytics_role_policy_D19842A8.policy).Statement : s.Sid => s.Resource if s.Sid != "WriteLogEvents"
      } == {
      ReadInputStream   = aws_kinesis_firehose_delivery_stream.source_stream_FCDFD954.arn
      WriteOutputStream = aws_kinesis_firehose_delivery_stream.destination_stream_E193FD12.arn
    }
    error_message = "The analytics role must read only the source stream and write only the destination stream."
  }
}
