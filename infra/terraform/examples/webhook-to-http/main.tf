# Webhook → sensor → HTTP trigger. Build the zip and apply from this directory:
#   cargo lambda build --release --output-format zip -p tripline-lambda   (at the repo root)
#   terraform init && terraform apply -var webhook_token=...

terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.29, < 7.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      "app" = "tripline"
    }
  }
}

locals {
  # cargo lambda writes target/lambda/<bin>/bootstrap.zip at the repository root (bin: bootstrap).
  lambda_package = coalesce(var.lambda_package, "${path.module}/../../../../target/lambda/bootstrap/bootstrap.zip")
}

module "tripline" {
  source = "../../modules/tripline-aws"

  name_prefix    = var.name_prefix
  plan_file      = "${path.module}/plan.json"
  source_package = local.lambda_package
  manifests_dir  = "${path.module}/manifests"

  # The EventSource's authSecret {name: webhook-auth, key: token}; only the source function
  # verifies it, so the sensors do not get it.
  source_secret_env = {
    TRIPLINE_SECRET_WEBHOOK_AUTH_TOKEN = var.webhook_token
  }

  # Bounds what unauthenticated traffic on the public Function URL can cost.
  source_reserved_concurrency = var.source_reserved_concurrency
}
