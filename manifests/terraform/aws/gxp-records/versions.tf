# GxP record store and audit trail for the validated ML platform (eu-central-1).
# Change control: every change to this stack is a GxP change (CC ticket in the PR title).

terraform {
  required_version = ">= 1.6.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.70"
    }
  }

  backend "s3" {
    bucket         = "acme-platform-tfstate-111122223333"
    key            = "aws/gxp-records/terraform.tfstate"
    region         = "eu-central-1"
    dynamodb_table = "acme-platform-tflock"
    encrypt        = true
  }
}

provider "aws" {
  region              = var.region
  allowed_account_ids = [var.account_id]

  # The five GxP tags every taggable resource must carry (policy GXP-10). Resources
  # override single keys where they differ from the stack default.
  default_tags {
    tags = {
      "gxp-classification"  = var.gxp_classification
      "system-owner"        = var.system_owner
      "validation-status"   = var.validation_status
      "data-classification" = var.data_classification
      "cost-center"         = var.cost_center
      "managed-by"          = "terraform"
      "source-repository"   = "acme-pharma/platform-gitops"
    }
  }
}
