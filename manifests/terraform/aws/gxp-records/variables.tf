variable "region" {
  description = "Primary region of the GxP record store (EU data residency)."
  type        = string
  default     = "eu-central-1"
}

variable "account_id" {
  description = "AWS account of the validated ML platform (production)."
  type        = string
  default     = "111122223333"
}

# --- GxP tags (GXP-10) -------------------------------------------------------------

variable "gxp_classification" {
  description = "GxP impact of the system: gxp-critical, gxp-supporting or non-gxp."
  type        = string
  default     = "gxp-critical"

  validation {
    condition     = contains(["gxp-critical", "gxp-supporting", "non-gxp"], var.gxp_classification)
    error_message = "gxp_classification must be gxp-critical, gxp-supporting or non-gxp."
  }
}

variable "system_owner" {
  description = "Accountable system owner (owner id from the GxP system inventory)."
  type        = string
  default     = "qa-data-governance"
}

variable "validation_status" {
  description = "CSV lifecycle state: validated, in-validation, not-validated or retired."
  type        = string
  default     = "validated"

  validation {
    condition     = contains(["validated", "in-validation", "not-validated", "retired"], var.validation_status)
    error_message = "validation_status must be validated, in-validation, not-validated or retired."
  }
}

variable "data_classification" {
  description = "Information classification of the data held (public, internal, confidential, restricted)."
  type        = string
  default     = "confidential"
}

variable "cost_center" {
  description = "Finance cost center charged for the stack."
  type        = string
  default     = "CC-4711-RD-DIGITAL"
}

# --- Record store ---------------------------------------------------------------

variable "records_bucket_name" {
  description = "S3 bucket holding GxP electronic records (training data sets, model lineage, batch evidence)."
  type        = string
  default     = "acme-gxp-records-111122223333-euc1"
}

variable "audit_trail_bucket_name" {
  description = "S3 bucket receiving the CloudTrail audit trail."
  type        = string
  default     = "acme-gxp-audit-trail-111122223333-euc1"
}

variable "access_logs_bucket_name" {
  description = "S3 bucket receiving S3 server access logs of the GxP buckets."
  type        = string
  default     = "acme-gxp-access-logs-111122223333-euc1"
}

variable "records_retention_days" {
  description = "Object Lock (COMPLIANCE) retention of GxP records, in days. SOP-QA-017: 7 years."
  type        = number
  default     = 2557
}

variable "audit_log_retention_days" {
  description = "Retention of the CloudTrail CloudWatch log group. Must be a CloudWatch-supported value >= 365."
  type        = number
  default     = 2557
}

variable "kms_admin_role_name" {
  description = "IAM role allowed to administer (never use) the GxP KMS keys."
  type        = string
  default     = "platform-kms-admin"
}

variable "backup_dr_vault_arn" {
  description = "AWS Backup vault in the DR region that receives copies of the GxP buckets."
  type        = string
  default     = "arn:aws:backup:eu-west-1:111122223333:backup-vault:gxp-records-dr"
}
