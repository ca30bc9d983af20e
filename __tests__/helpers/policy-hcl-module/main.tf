# A module with a counted bucket: its parts point at it with module-relative references
# (aws_s3_bucket.this[0].id), which a plan shows only in the module's configuration. Everything
# is in place except a lifecycle, so the pack must report LAB-S3-6, and only that, at
# module.nested.aws_s3_bucket.this[0].

resource "aws_s3_bucket" "this" {
  count  = 1
  bucket = "policy-cases-module-bucket"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this[0].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this[0].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = ["arn:aws:s3:::policy-cases-module-bucket", "arn:aws:s3:::policy-cases-module-bucket/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}
