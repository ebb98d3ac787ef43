variable "region" {
  description = "Region of the ML platform."
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
  default     = "gxp-supporting"

  validation {
    condition     = contains(["gxp-critical", "gxp-supporting", "non-gxp"], var.gxp_classification)
    error_message = "gxp_classification must be gxp-critical, gxp-supporting or non-gxp."
  }
}

variable "system_owner" {
  description = "Accountable system owner (owner id from the GxP system inventory)."
  type        = string
  default     = "ml-platform-owner"
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
  description = "Information classification of the data processed (public, internal, confidential, restricted)."
  type        = string
  default     = "confidential"
}

variable "cost_center" {
  description = "Finance cost center charged for the platform."
  type        = string
  default     = "CC-4711-RD-DIGITAL"
}

# --- Cluster --------------------------------------------------------------------

variable "cluster_name" {
  description = "EKS cluster name."
  type        = string
  default     = "gxp-ml-prod"
}

variable "kubernetes_version" {
  description = "EKS control plane version (kept on a standard-support release)."
  type        = string
  default     = "1.33"
}

variable "private_subnet_ids" {
  description = "Private subnets (no internet gateway route) of the platform VPC, one per AZ."
  type        = list(string)
  default     = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002", "subnet-0a1b2c3d4e5f60003"]
}

variable "gpu_instance_types" {
  description = "Instance types of the GPU node group (NVIDIA A10G)."
  type        = list(string)
  default     = ["g5.12xlarge"]
}

variable "gpu_node_max_size" {
  description = "Upper bound of GPU nodes (4 GPUs each); matches the GPU quotas of the ML namespaces."
  type        = number
  default     = 3
}

variable "ml_cost_center" {
  description = "Cost center charged for GPU capacity (R&D ML budget)."
  type        = string
  default     = "CC-4720-RD-ML"
}

# --- Data the ML workloads read -------------------------------------------------

variable "records_bucket_name" {
  description = "GxP record bucket (from the gxp-records stack)."
  type        = string
  default     = "acme-gxp-records-111122223333-euc1"
}

variable "records_kms_key_arn" {
  description = "CMK of the GxP record bucket (from the gxp-records stack)."
  type        = string
  default     = "arn:aws:kms:eu-central-1:111122223333:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
}

variable "log_retention_days" {
  description = "Retention of the EKS control-plane log group (>= 365, CloudWatch-supported value)."
  type        = number
  default     = 731
}
