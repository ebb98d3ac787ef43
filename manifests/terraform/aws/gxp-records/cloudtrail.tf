# Audit trail (21 CFR 11.10(e), EU GMP Annex 11 §9): one multi-region trail with log file
# validation, encrypted with the audit CMK, streamed to CloudWatch Logs for alerting, and
# S3 object-level (data) events, read and write, on the GxP record bucket.

locals {
  trail_name     = "gxp-audit-trail"
  trail_log_name = "/gxp/cloudtrail/gxp-audit-trail"
}

resource "aws_cloudtrail" "gxp_audit" {
  name           = local.trail_name
  s3_bucket_name = aws_s3_bucket.audit_trail.id
  s3_key_prefix  = "cloudtrail"

  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true
  enable_logging                = true
  kms_key_id                    = aws_kms_key.audit.arn
  sns_topic_name                = aws_sns_topic.audit_trail.name

  cloud_watch_logs_group_arn = "${aws_cloudwatch_log_group.audit_trail.arn}:*"
  cloud_watch_logs_role_arn  = aws_iam_role.cloudtrail_to_cloudwatch.arn

  event_selector {
    read_write_type           = "All"
    include_management_events = true

    # Object-level access to the record bucket and to its access-log sink. The trail's own
    # destination bucket is deliberately not listed (AWS: a trail logging data events on
    # its own bucket logs its own deliveries in a loop); its access is in the access logs.
    data_resource {
      type = "AWS::S3::Object"
      values = [
        "arn:aws:s3:::${var.records_bucket_name}/",
        "arn:aws:s3:::${var.access_logs_bucket_name}/",
      ]
    }
  }

  tags = {
    "Name"                = local.trail_name
    "data-classification" = "restricted"
  }

  depends_on = [aws_s3_bucket_policy.audit_trail]
}

resource "aws_cloudwatch_log_group" "audit_trail" {
  name              = local.trail_log_name
  retention_in_days = var.audit_log_retention_days
  kms_key_id        = aws_kms_key.audit.arn

  tags = {
    "Name" = "gxp-audit-trail"
  }
}

# CloudTrail -> CloudWatch Logs delivery role

data "aws_iam_policy_document" "cloudtrail_assume" {
  statement {
    sid     = "CloudTrailAssume"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = ["arn:aws:cloudtrail:${var.region}:${var.account_id}:trail/${local.trail_name}"]
    }
  }
}

resource "aws_iam_role" "cloudtrail_to_cloudwatch" {
  name                 = "gxp-cloudtrail-to-cloudwatch"
  description          = "Lets the GxP audit trail deliver events to its CloudWatch log group."
  assume_role_policy   = data.aws_iam_policy_document.cloudtrail_assume.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "cloudtrail_to_cloudwatch" {
  statement {
    sid     = "DeliverToAuditLogGroup"
    effect  = "Allow"
    actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [
      "arn:aws:logs:${var.region}:${var.account_id}:log-group:${local.trail_log_name}:log-stream:*",
    ]
  }
}

resource "aws_iam_role_policy" "cloudtrail_to_cloudwatch" {
  name   = "deliver-to-audit-log-group"
  role   = aws_iam_role.cloudtrail_to_cloudwatch.id
  policy = data.aws_iam_policy_document.cloudtrail_to_cloudwatch.json
}

# Log-delivery notifications (consumed by the SIEM forwarder)

resource "aws_sns_topic" "audit_trail" {
  name              = "gxp-audit-trail-delivery"
  kms_master_key_id = aws_kms_key.audit.arn

  tags = {
    "Name" = "gxp-audit-trail-delivery"
  }
}

data "aws_iam_policy_document" "audit_trail_topic" {
  statement {
    sid       = "CloudTrailPublish"
    effect    = "Allow"
    actions   = ["SNS:Publish"]
    resources = ["arn:aws:sns:${var.region}:${var.account_id}:gxp-audit-trail-delivery"]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = ["arn:aws:cloudtrail:${var.region}:${var.account_id}:trail/${local.trail_name}"]
    }
  }
}

resource "aws_sns_topic_policy" "audit_trail" {
  arn    = aws_sns_topic.audit_trail.arn
  policy = data.aws_iam_policy_document.audit_trail_topic.json
}
