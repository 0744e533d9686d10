# Event intake of the source function: the Function URL (webhook-family EventSources), S3 bucket
# notifications through an intake queue, and external SQS queues (sqs EventSources).
# Calendar sources are in schedules.tf.

locals {
  webhooks_enabled = length(local.webhooks) > 0
  intake_enabled   = length(local.s3_sources) > 0

  # ---- S3 ----
  # S3 rejects two notification configurations of one bucket whose event types and key filters
  # overlap, and the plan may hold several EventSources on one bucket. So each bucket gets one
  # configuration: the union of the event types (a family wildcard absorbs its members), and a key
  # filter only when every entry of that bucket agrees on it. The source function applies each
  # EventSource's own events and filter again, as Argo's minio source does.
  s3_bucket_names = sort(distinct([for s in local.s3_sources : s.bucket]))
  s3_entries      = { for b in local.s3_bucket_names : b => [for s in local.s3_sources : s if s.bucket == b] }
  s3_notifications = {
    for b, entries in local.s3_entries : b => {
      events = sort(distinct([
        for e in flatten([for s in entries : try(s.events, ["s3:ObjectCreated:*"])]) : e
        if endswith(e, ":*") || !anytrue([
          for w in flatten([for s in entries : try(s.events, ["s3:ObjectCreated:*"])]) :
          endswith(w, ":*") && startswith(e, trimsuffix(w, "*"))
        ])
      ]))
      prefix = length(distinct([for s in entries : try(s.prefix, "")])) == 1 ? try(entries[0].prefix, "") : ""
      suffix = length(distinct([for s in entries : try(s.suffix, "")])) == 1 ? try(entries[0].suffix, "") : ""
    }
  }
  s3_bucket_arns = [for b in local.s3_bucket_names : "arn:${local.partition}:s3:::${b}"]

  # ---- external SQS ----
  # One mapping per queue even when several EventSources read it (Lambda rejects duplicates);
  # the function tells them apart by the record's eventSourceARN.
  external_queues = { for arn in distinct([for s in local.sqs_sources : s.queueArn]) : arn => arn }
}

# ---- Function URL -------------------------------------------------------------------------------

resource "aws_lambda_function_url" "source" {
  count = local.webhooks_enabled ? 1 : 0

  function_name = aws_lambda_function.source.function_name
  #checkov:skip=CKV_AWS_258: webhook senders (GitHub, GitLab, Stripe, Slack, generic webhooks) cannot sign SigV4; the source function authenticates every request itself (EventSource bearer token or HMAC signature) before publishing anything. AWS_IAM is one variable away.
  authorization_type = var.function_url_auth_type
  invoke_mode        = "BUFFERED"
}

# Public URLs need two statements since October 2025: InvokeFunctionUrl for auth type NONE, and
# InvokeFunction restricted to calls that arrive through the URL (not the Invoke API).
resource "aws_lambda_permission" "url_public" {
  #checkov:skip=CKV_AWS_301:Public by design for webhook senders that cannot sign requests, and only through the URL (condition lambda:FunctionUrlAuthType = NONE); the function authenticates each request itself. Created only when function_url_auth_type is NONE.
  count = local.webhooks_enabled && var.function_url_auth_type == "NONE" ? 1 : 0

  statement_id           = "TriplineFunctionUrlPublic"
  action                 = "lambda:InvokeFunctionUrl"
  function_name          = aws_lambda_function.source.function_name
  principal              = "*"
  function_url_auth_type = "NONE"
}

resource "aws_lambda_permission" "url_invoke" {
  #checkov:skip=CKV_AWS_301:Grants InvokeFunction only for calls arriving through the Function URL (invoked_via_function_url); the Invoke API stays private. Required by Lambda since October 2025 for public URLs.
  count = local.webhooks_enabled && var.function_url_auth_type == "NONE" ? 1 : 0

  statement_id             = "TriplineFunctionUrlInvoke"
  action                   = "lambda:InvokeFunction"
  function_name            = aws_lambda_function.source.function_name
  principal                = "*"
  invoked_via_function_url = true
}

# ---- S3 bucket notifications → intake queue → source function --------------------------------

resource "aws_sqs_queue" "intake_dlq" {
  count = local.intake_enabled ? 1 : 0

  name                              = "${var.name_prefix}-intake-dlq"
  message_retention_seconds         = var.dlq_message_retention_seconds
  sqs_managed_sse_enabled           = local.sqs_sse_managed
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = local.sqs_kms_reuse_period
  tags                              = var.tags
}

resource "aws_sqs_queue" "intake" {
  count = local.intake_enabled ? 1 : 0

  name                              = "${var.name_prefix}-intake"
  visibility_timeout_seconds        = local.source_visibility_timeout
  message_retention_seconds         = var.message_retention_seconds
  sqs_managed_sse_enabled           = local.sqs_sse_managed
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = local.sqs_kms_reuse_period
  tags                              = var.tags

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.intake_dlq[0].arn
    maxReceiveCount     = var.max_receive_count
  })
}

data "aws_iam_policy_document" "intake_queue" {
  count = local.intake_enabled ? 1 : 0

  statement {
    sid       = "S3NotificationsFromPlanBuckets"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.intake[0].arn]

    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = local.s3_bucket_arns
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.intake[0].arn]

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

resource "aws_sqs_queue_policy" "intake" {
  count = local.intake_enabled ? 1 : 0

  queue_url = aws_sqs_queue.intake[0].id
  policy    = data.aws_iam_policy_document.intake_queue[0].json
}

# Owns the bucket's whole notification configuration (an S3 API constraint): buckets named in the
# plan must not have notifications managed elsewhere.
resource "aws_s3_bucket_notification" "plan" {
  for_each = local.s3_notifications

  bucket = each.key

  queue {
    id            = "tripline-${var.name_prefix}"
    queue_arn     = aws_sqs_queue.intake[0].arn
    events        = each.value.events
    filter_prefix = each.value.prefix == "" ? null : each.value.prefix
    filter_suffix = each.value.suffix == "" ? null : each.value.suffix
  }

  # S3 sends a test message when the configuration is put, which fails without the queue policy.
  depends_on = [aws_sqs_queue_policy.intake]
}

resource "aws_lambda_event_source_mapping" "intake" {
  count = local.intake_enabled ? 1 : 0

  event_source_arn        = aws_sqs_queue.intake[0].arn
  function_name           = aws_lambda_function.source.arn
  batch_size              = var.source_batch_size
  function_response_types = ["ReportBatchItemFailures"]
  tags                    = var.tags
}

# ---- external SQS queues (sqs EventSources) -----------------------------------------------------

resource "aws_lambda_event_source_mapping" "external_sqs" {
  for_each = local.external_queues

  event_source_arn        = each.value
  function_name           = aws_lambda_function.source.arn
  batch_size              = var.source_batch_size
  function_response_types = ["ReportBatchItemFailures"]
  tags                    = merge(var.tags, { "tripline:queue" = each.key })
}
