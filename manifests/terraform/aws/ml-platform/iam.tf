# IAM roles for service accounts (IRSA) of the ML pipeline. Least privilege: each role is
# assumable only by one Kubernetes service account, reads only approved prefixes of the
# GxP record bucket, and uses the records CMK only through S3.
#
# The three policy spellings used in this repository are all on purpose:
#   aws_iam_policy_document data sources (trust + training data access),
#   jsonencode(...) (training KMS usage), heredoc JSON (inference model access).

locals {
  oidc_issuer = replace(aws_eks_cluster.ml.identity[0].oidc[0].issuer, "https://", "")
}

# --------------------------------------------------------------------------------------
# Training: ml-training/trainer
# --------------------------------------------------------------------------------------

data "aws_iam_policy_document" "ml_training_trust" {
  statement {
    sid     = "TrainerServiceAccount"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.eks.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:sub"
      values   = ["system:serviceaccount:ml-training:trainer"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "ml_training" {
  name                 = "ml-training-trainer"
  description          = "IRSA role of ml-training/trainer: reads approved training data, writes model lineage."
  assume_role_policy   = data.aws_iam_policy_document.ml_training_trust.json
  max_session_duration = 3600

  tags = {
    "app.kubernetes.io/part-of" = "ml-pipeline"
  }
}

data "aws_iam_policy_document" "ml_training_data" {
  statement {
    sid       = "ListApprovedDatasets"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::${var.records_bucket_name}"]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["datasets/approved/*", "model-lineage/*"]
    }
  }

  statement {
    sid       = "ReadApprovedDatasets"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["arn:aws:s3:::${var.records_bucket_name}/datasets/approved/*"]
  }

  statement {
    sid       = "WriteModelLineage"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["arn:aws:s3:::${var.records_bucket_name}/model-lineage/*"]
  }
}

resource "aws_iam_policy" "ml_training_data" {
  name        = "ml-training-data-access"
  description = "Read approved data sets and write model lineage in the GxP record bucket."
  policy      = data.aws_iam_policy_document.ml_training_data.json
}

resource "aws_iam_role_policy_attachment" "ml_training_data" {
  role       = aws_iam_role.ml_training.name
  policy_arn = aws_iam_policy.ml_training_data.arn
}

resource "aws_iam_role_policy" "ml_training_kms" {
  name = "records-key-via-s3"
  role = aws_iam_role.ml_training.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "UseRecordsKeyThroughS3"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = var.records_kms_key_arn
        Condition = {
          StringEquals = { "kms:ViaService" = "s3.${var.region}.amazonaws.com" }
        }
      },
    ]
  })
}

# --------------------------------------------------------------------------------------
# Inference: ml-inference/model-server
# --------------------------------------------------------------------------------------

data "aws_iam_policy_document" "ml_inference_trust" {
  statement {
    sid     = "ModelServerServiceAccount"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.eks.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:sub"
      values   = ["system:serviceaccount:ml-inference:model-server"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "ml_inference" {
  name                 = "ml-inference-model-server"
  description          = "IRSA role of ml-inference/model-server: reads released models only."
  assume_role_policy   = data.aws_iam_policy_document.ml_inference_trust.json
  max_session_duration = 3600

  tags = {
    "app.kubernetes.io/part-of" = "ml-pipeline"
  }
}

resource "aws_iam_policy" "ml_inference_models" {
  name        = "ml-inference-released-models"
  description = "Read QA-released models from the GxP record bucket."

  policy = <<-POLICY
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Sid": "ReadReleasedModels",
          "Effect": "Allow",
          "Action": ["s3:GetObject", "s3:GetObjectVersion"],
          "Resource": "arn:aws:s3:::${var.records_bucket_name}/models/released/*"
        },
        {
          "Sid": "UseRecordsKeyThroughS3",
          "Effect": "Allow",
          "Action": "kms:Decrypt",
          "Resource": "${var.records_kms_key_arn}",
          "Condition": {
            "StringEquals": {"kms:ViaService": "s3.${var.region}.amazonaws.com"}
          }
        }
      ]
    }
  POLICY
}

resource "aws_iam_role_policy_attachment" "ml_inference_models" {
  role       = aws_iam_role.ml_inference.name
  policy_arn = aws_iam_policy.ml_inference_models.arn
}
