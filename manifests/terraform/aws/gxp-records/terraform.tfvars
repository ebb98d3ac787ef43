# Production values of the GxP record store (change control: CC-2025-0142).
# account_id stays at its variable default: it is fixed per stack (provider allowed_account_ids).
region              = "eu-central-1"
gxp_classification  = "gxp-critical"
validation_status   = "validated"
system_owner        = "qa-data-governance"
data_classification = "confidential"
cost_center         = "CC-4711-RD-DIGITAL"

records_retention_days   = 2557
audit_log_retention_days = 2557
