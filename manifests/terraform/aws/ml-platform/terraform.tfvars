# Production values of the ML platform (change control: CC-2025-0157).
# account_id stays at its variable default: it is fixed per stack (provider allowed_account_ids).
region              = "eu-central-1"
gxp_classification  = "gxp-supporting"
validation_status   = "validated"
system_owner        = "ml-platform-owner"
data_classification = "confidential"
cost_center         = "CC-4711-RD-DIGITAL"

cluster_name       = "gxp-ml-prod"
kubernetes_version = "1.33"
gpu_instance_types = ["g5.12xlarge"]
gpu_node_max_size  = 3
ml_cost_center     = "CC-4720-RD-ML"
log_retention_days = 731
