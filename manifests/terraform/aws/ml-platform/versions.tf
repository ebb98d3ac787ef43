# EKS platform for GxP-supporting ML workloads: model training (GPU) and batch/online
# inference. The GxP record store lives in ../gxp-records (separate state, stricter change control).

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
    key            = "aws/ml-platform/terraform.tfstate"
    region         = "eu-central-1"
    dynamodb_table = "acme-platform-tflock"
    encrypt        = true
  }
}

provider "aws" {
  region              = var.region
  allowed_account_ids = [var.account_id]

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
