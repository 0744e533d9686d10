# The two buckets the module owns:
# - claims: event bodies above the SQS message limit (claim-check), short-lived;
# - state:  held dependency state and idempotency records of each sensor under sensors/<name>/,
#           written with conditional PUTs (If-None-Match / If-Match), plus uploaded manifests.

locals {
  buckets = {
    claims = coalesce(var.claim_bucket_name, "${var.name_prefix}-claims-${local.account_id}-${local.region}")
    state  = coalesce(var.state_bucket_name, "${var.name_prefix}-state-${local.account_id}-${local.region}")
  }

  # A claim must outlive every message that points at it: queue retention, then DLQ retention
  # (standard DLQs keep the original enqueue time, FIFO DLQs restart it, so assume the latter).
  claim_expiration_days = coalesce(
    var.claim_expiration_days,
    ceil((var.message_retention_seconds + var.dlq_message_retention_seconds) / 86400) + 1,
  )
}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_144:Cross-region replication buys nothing here: claim objects live days and only for messages in this region's queues, and sensor state is only meaningful next to this region's queues and functions.
  #checkov:skip=CKV2_AWS_62:Both buckets are internal stores of the module's own functions; nothing consumes events about their objects.
  for_each = local.buckets

  bucket        = each.value
  force_destroy = var.force_destroy_buckets
  tags          = merge(var.tags, { "tripline:bucket" = each.key })
}

resource "aws_s3_bucket_ownership_controls" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each = aws_s3_bucket.this

  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# Versioning keeps overwritten state recoverable; the lifecycle rules below bound what it costs.
resource "aws_s3_bucket_versioning" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    # Bucket keys cut the KMS requests of the many small state writes.
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_logging" "this" {
  for_each = var.access_log_bucket == null ? {} : aws_s3_bucket.this

  bucket        = each.value.id
  target_bucket = var.access_log_bucket
  target_prefix = "${each.value.id}/"
}

# claims: every object expires (the claim outlives its message, including DLQ retention).
# state:  current objects live as long as the sensor needs them; only superseded versions expire.
resource "aws_s3_bucket_lifecycle_configuration" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  dynamic "rule" {
    for_each = each.key == "claims" ? [local.claim_expiration_days] : []
    content {
      id     = "expire-claims"
      status = "Enabled"
      filter {}

      expiration {
        days = rule.value
      }
      noncurrent_version_expiration {
        noncurrent_days = 1
      }
      abort_incomplete_multipart_upload {
        days_after_initiation = 1
      }
    }
  }

  # A current version that expired leaves a delete marker; this rule removes it once alone.
  dynamic "rule" {
    for_each = each.key == "claims" ? [1] : []
    content {
      id     = "remove-expired-delete-markers"
      status = "Enabled"
      filter {}

      expiration {
        expired_object_delete_marker = true
      }
    }
  }

  dynamic "rule" {
    for_each = each.key == "state" ? [var.state_noncurrent_version_days] : []
    content {
      id     = "expire-superseded-state"
      status = "Enabled"
      filter {}

      noncurrent_version_expiration {
        noncurrent_days = rule.value
      }
      abort_incomplete_multipart_upload {
        days_after_initiation = 1
      }
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

data "aws_iam_policy_document" "bucket_tls_only" {
  for_each = aws_s3_bucket.this

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [each.value.arn, "${each.value.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  policy = data.aws_iam_policy_document.bucket_tls_only[each.key].json

  # A bucket policy put before the public access block is settled can be rejected.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

resource "aws_s3_object" "manifests" {
  count = var.manifests_dir == null ? 0 : 1

  bucket                 = aws_s3_bucket.this["state"].id
  key                    = local.manifests_key
  content                = local.manifests_bundle
  content_type           = "application/yaml"
  server_side_encryption = var.kms_key_arn == null ? "AES256" : "aws:kms"
  kms_key_id             = var.kms_key_arn
  tags                   = var.tags

  lifecycle {
    precondition {
      condition     = length(local.manifest_files) > 0
      error_message = "manifests_dir holds no *.yaml or *.yml file."
    }
  }

  depends_on = [aws_s3_bucket_server_side_encryption_configuration.this]
}
