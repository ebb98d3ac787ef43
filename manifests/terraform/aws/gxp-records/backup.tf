# Backups of the GxP buckets (21 CFR 11.10(c), EU GMP Annex 11 §7.2): daily recovery points
# in a vault locked in compliance mode, copied to a vault in the DR region. This is the
# disaster-recovery copy of the records (instead of S3 cross-region replication).

resource "aws_backup_vault" "gxp_records" {
  name        = "gxp-records"
  kms_key_arn = aws_kms_key.gxp_records.arn

  tags = {
    "Name"                = "gxp-records"
    "data-classification" = "restricted"
  }
}

resource "aws_backup_vault_lock_configuration" "gxp_records" {
  backup_vault_name   = aws_backup_vault.gxp_records.name
  min_retention_days  = 365
  max_retention_days  = 3653
  changeable_for_days = 3
}

resource "aws_backup_plan" "gxp_records" {
  name = "gxp-records-daily"

  rule {
    rule_name         = "daily-0200-utc"
    target_vault_name = aws_backup_vault.gxp_records.name
    schedule          = "cron(0 2 * * ? *)"
    start_window      = 60
    completion_window = 720

    lifecycle {
      delete_after = 400
    }

    copy_action {
      destination_vault_arn = var.backup_dr_vault_arn

      lifecycle {
        delete_after = 400
      }
    }
  }

  tags = {
    "Name" = "gxp-records-daily"
  }
}

data "aws_iam_policy_document" "backup_assume" {
  statement {
    sid     = "AwsBackupAssume"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["backup.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
  }
}

resource "aws_iam_role" "backup" {
  name                 = "gxp-records-backup"
  description          = "AWS Backup service role for the GxP record buckets."
  assume_role_policy   = data.aws_iam_policy_document.backup_assume.json
  max_session_duration = 3600
}

resource "aws_iam_role_policy_attachment" "backup_s3" {
  role       = aws_iam_role.backup.name
  policy_arn = "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup"
}

resource "aws_iam_role_policy_attachment" "backup_s3_restore" {
  role       = aws_iam_role.backup.name
  policy_arn = "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore"
}

resource "aws_backup_selection" "gxp_records" {
  name         = "gxp-buckets"
  plan_id      = aws_backup_plan.gxp_records.id
  iam_role_arn = aws_iam_role.backup.arn

  resources = [
    "arn:aws:s3:::${var.records_bucket_name}",
    "arn:aws:s3:::${var.audit_trail_bucket_name}",
    "arn:aws:s3:::${var.access_logs_bucket_name}",
  ]
}
