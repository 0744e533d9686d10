# S3 upload → sensor → Lambda trigger. The bucket named in plan.json (and in
# manifests/event-source.yaml) must already exist in the same account and region; the module
# manages its notification configuration, not the bucket.

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
  lambda_package = coalesce(var.lambda_package, "${path.module}/../../../../target/lambda/bootstrap/bootstrap.zip")
}

module "tripline" {
  source = "../../modules/tripline-aws"

  name_prefix    = var.name_prefix
  plan_file      = "${path.module}/plan.json"
  source_package = local.lambda_package
  manifests_dir  = "${path.module}/manifests"

  # Only the thumbnails sensor may invoke the target function.
  sensor_triggers = {
    thumbnails = {
      lambda_arns = [var.thumbnailer_function_arn]
    }
  }

  claim_expiration_days = var.claim_expiration_days
}
