# GxP electronic records (21 CFR 11.10(c), EU GMP Annex 11 §7.1, §17).
# Every bucket: versioning, SSE-KMS with a customer-managed key, public access blocked,
# ACLs disabled, TLS-only bucket policy, server access logs, lifecycle, EventBridge events.
# Record and audit-trail buckets add Object Lock in COMPLIANCE mode (WORM).

# --------------------------------------------------------------------------------------
# GxP record bucket
# --------------------------------------------------------------------------------------

resource "aws_s3_bucket" "gxp_records" {
  bucket              = var.records_bucket_name
  object_lock_enabled = true

  tags = {
    "Name"                = "gxp-records"
    "data-classification" = "restricted"
  }
}

resource "aws_s3_bucket_versioning" "gxp_records" {
  bucket = aws_s3_bucket.gxp_records.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_object_lock_configuration" "gxp_records" {
  bucket = aws_s3_bucket.gxp_records.id

  rule {
    default_retention {
      mode = "COMPLIANCE"
      days = var.records_retention_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.gxp_records]
}

resource "aws_s3_bucket_server_side_encryption_configuration" "gxp_records" {
  bucket = aws_s3_bucket.gxp_records.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.gxp_records.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "gxp_records" {
  bucket = aws_s3_bucket.gxp_records.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "gxp_records" {
  bucket = aws_s3_bucket.gxp_records.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_logging" "gxp_records" {
  bucket        = aws_s3_bucket.gxp_records.id
  target_bucket = aws_s3_bucket.access_logs.id
  target_prefix = "s3/${var.records_bucket_name}/"

  target_object_key_format {
    partitioned_prefix {
      partition_date_source = "EventTime"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "gxp_records" {
  bucket = aws_s3_bucket.gxp_records.id

  rule {
    id     = "archive-superseded-versions"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }

    noncurrent_version_transition {
      noncurrent_days = 90
      storage_class   = "GLACIER_IR"
    }
  }

  depends_on = [aws_s3_bucket_versioning.gxp_records]
}

resource "aws_s3_bucket_notification" "gxp_records" {
  bucket      = aws_s3_bucket.gxp_records.id
  eventbridge = true
}

data "aws_iam_policy_document" "gxp_records_bucket" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      "arn:aws:s3:::${var.records_bucket_name}",
      "arn:aws:s3:::${var.records_bucket_name}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid       = "DenyWritesWithForeignKmsKey"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["arn:aws:s3:::${var.records_bucket_name}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "StringNotEqualsIfExists"
      variable = "s3:x-amz-server-side-encryption-aws-kms-key-id"
      values   = [aws_kms_key.gxp_records.arn]
    }
  }
}

resource "aws_s3_bucket_policy" "gxp_records" {
  bucket = aws_s3_bucket.gxp_records.id
  policy = data.aws_iam_policy_document.gxp_records_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.gxp_records]
}

# --------------------------------------------------------------------------------------
# Audit trail bucket (CloudTrail destination)
# --------------------------------------------------------------------------------------

resource "aws_s3_bucket" "audit_trail" {
  bucket              = var.audit_trail_bucket_name
  object_lock_enabled = true

  tags = {
    "Name"                = "gxp-audit-trail"
    "data-classification" = "restricted"
  }
}

resource "aws_s3_bucket_versioning" "audit_trail" {
  bucket = aws_s3_bucket.audit_trail.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_object_lock_configuration" "audit_trail" {
  bucket = aws_s3_bucket.audit_trail.id

  rule {
    default_retention {
      mode = "COMPLIANCE"
      days = var.records_retention_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.audit_trail]
}

resource "aws_s3_bucket_server_side_encryption_configuration" "audit_trail" {
  bucket = aws_s3_bucket.audit_trail.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.audit.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "audit_trail" {
  bucket = aws_s3_bucket.audit_trail.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "audit_trail" {
  bucket = aws_s3_bucket.audit_trail.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_logging" "audit_trail" {
  bucket        = aws_s3_bucket.audit_trail.id
  target_bucket = aws_s3_bucket.access_logs.id
  target_prefix = "s3/${var.audit_trail_bucket_name}/"

  target_object_key_format {
    partitioned_prefix {
      partition_date_source = "EventTime"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "audit_trail" {
  bucket = aws_s3_bucket.audit_trail.id

  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  rule {
    id     = "archive-trail"
    status = "Enabled"

    filter {
      prefix = "cloudtrail/"
    }

    transition {
      days          = 365
      storage_class = "GLACIER_IR"
    }
  }

  depends_on = [aws_s3_bucket_versioning.audit_trail]
}

resource "aws_s3_bucket_notification" "audit_trail" {
  bucket      = aws_s3_bucket.audit_trail.id
  eventbridge = true
}

data "aws_iam_policy_document" "audit_trail_bucket" {
  statement {
    sid       = "CloudTrailAclCheck"
    effect    = "Allow"
    actions   = ["s3:GetBucketAcl"]
    resources = ["arn:aws:s3:::${var.audit_trail_bucket_name}"]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = ["arn:aws:cloudtrail:${var.region}:${var.account_id}:trail/gxp-audit-trail"]
    }
  }

  statement {
    sid       = "CloudTrailWrite"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["arn:aws:s3:::${var.audit_trail_bucket_name}/cloudtrail/AWSLogs/${var.account_id}/*"]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = ["arn:aws:cloudtrail:${var.region}:${var.account_id}:trail/gxp-audit-trail"]
    }
  }

  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      "arn:aws:s3:::${var.audit_trail_bucket_name}",
      "arn:aws:s3:::${var.audit_trail_bucket_name}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "audit_trail" {
  bucket = aws_s3_bucket.audit_trail.id
  policy = data.aws_iam_policy_document.audit_trail_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.audit_trail]
}

# --------------------------------------------------------------------------------------
# Server access log bucket (terminal log sink of the two buckets above)
# S3 does not deliver server access logs to a bucket with an Object Lock default retention,
# so this bucket is versioned but not WORM; its contents are backed up to the locked vault.
# --------------------------------------------------------------------------------------

resource "aws_s3_bucket" "access_logs" {
  bucket = var.access_logs_bucket_name

  tags = {
    "Name"               = "gxp-access-logs"
    "gxp-classification" = "gxp-supporting"
  }
}

resource "aws_s3_bucket_versioning" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.audit.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  rule {
    id     = "retain-access-logs"
    status = "Enabled"

    filter {
      prefix = "s3/"
    }

    transition {
      days          = 90
      storage_class = "GLACIER_IR"
    }

    expiration {
      days = var.records_retention_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 30
    }
  }

  depends_on = [aws_s3_bucket_versioning.access_logs]
}

resource "aws_s3_bucket_notification" "access_logs" {
  bucket      = aws_s3_bucket.access_logs.id
  eventbridge = true
}

data "aws_iam_policy_document" "access_logs_bucket" {
  statement {
    sid       = "S3ServerAccessLogDelivery"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["arn:aws:s3:::${var.access_logs_bucket_name}/s3/*"]

    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values = [
        "arn:aws:s3:::${var.records_bucket_name}",
        "arn:aws:s3:::${var.audit_trail_bucket_name}",
      ]
    }
  }

  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      "arn:aws:s3:::${var.access_logs_bucket_name}",
      "arn:aws:s3:::${var.access_logs_bucket_name}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  policy = data.aws_iam_policy_document.access_logs_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.access_logs]
}
