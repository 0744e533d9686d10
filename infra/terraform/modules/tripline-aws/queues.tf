# One queue (+ DLQ) per sensor. FIFO where the plan says so: sensors whose trigger condition spans
# several dependencies need the per-group ordering. The source function sets explicit
# deduplication ids, so content-based deduplication stays off.

locals {
  # Either SQS-managed SSE or the customer key; setting both is rejected by the provider.
  sqs_sse_managed      = var.kms_key_arn == null ? true : null
  sqs_kms_reuse_period = var.kms_key_arn == null ? null : var.kms_data_key_reuse_period_seconds

  # AWS guidance for SQS event sources: visibility timeout >= 6x the function timeout.
  sensor_visibility_timeout = 6 * var.sensor_timeout
  source_visibility_timeout = 6 * var.source_timeout
}

resource "aws_sqs_queue" "sensor_dlq" {
  for_each = local.sensors

  name                              = "${local.sensor_queue_stems[each.key]}-dlq${each.value.fifo ? ".fifo" : ""}"
  fifo_queue                        = each.value.fifo
  content_based_deduplication       = false
  message_retention_seconds         = var.dlq_message_retention_seconds
  sqs_managed_sse_enabled           = local.sqs_sse_managed
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = local.sqs_kms_reuse_period
  tags                              = merge(var.tags, { "tripline:sensor" = each.key })
}

resource "aws_sqs_queue" "sensor" {
  for_each = local.sensors

  name                              = "${local.sensor_queue_stems[each.key]}${each.value.fifo ? ".fifo" : ""}"
  fifo_queue                        = each.value.fifo
  content_based_deduplication       = false
  visibility_timeout_seconds        = local.sensor_visibility_timeout
  message_retention_seconds         = var.message_retention_seconds
  sqs_managed_sse_enabled           = local.sqs_sse_managed
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = local.sqs_kms_reuse_period
  tags                              = merge(var.tags, { "tripline:sensor" = each.key })

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.sensor_dlq[each.key].arn
    maxReceiveCount     = var.max_receive_count
  })
}

# Only the sensor's own queue may redrive into its DLQ.
resource "aws_sqs_queue_redrive_allow_policy" "sensor_dlq" {
  for_each = local.sensors

  queue_url = aws_sqs_queue.sensor_dlq[each.key].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.sensor[each.key].arn]
  })
}

# Failed asynchronous invocations of the source function (EventBridge Scheduler targets and the
# function's own async retries) land here instead of being dropped.
resource "aws_sqs_queue" "source_dlq" {
  name                              = "${var.name_prefix}-source-dlq"
  message_retention_seconds         = var.dlq_message_retention_seconds
  sqs_managed_sse_enabled           = local.sqs_sse_managed
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = local.sqs_kms_reuse_period
  tags                              = var.tags
}
