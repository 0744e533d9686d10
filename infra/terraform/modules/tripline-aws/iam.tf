# One role per function, each allowed exactly what its role in the bus needs.

locals {
  kms_key_arns = var.kms_key_arn == null ? [] : [var.kms_key_arn]

  # Trigger targets per sensor: the module-wide lists plus the sensor's own entry.
  sensor_trigger_lambdas = {
    for name in keys(local.sensors) : name => distinct(concat(
      var.trigger_lambda_arns, try(var.sensor_triggers[name].lambda_arns, [])
    ))
  }
  sensor_trigger_queues = {
    for name in keys(local.sensors) : name => distinct(concat(
      var.trigger_sqs_queue_arns, try(var.sensor_triggers[name].sqs_queue_arns, [])
    ))
  }

  # Queues the source function consumes through event source mappings.
  source_consumed_queue_arns = concat(
    local.intake_enabled ? [aws_sqs_queue.intake[0].arn] : [],
    keys(local.external_queues),
  )

  managed_policy_xray = "arn:${local.partition}:iam::aws:policy/AWSXRayDaemonWriteAccess"
  managed_policy_vpc  = "arn:${local.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

# ---- source function ----------------------------------------------------------------------------

resource "aws_iam_role" "source" {
  name                 = "${var.name_prefix}-source"
  assume_role_policy   = data.aws_iam_policy_document.lambda_assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "source" {
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.source.arn}:*"]
  }

  dynamic "statement" {
    for_each = length(local.routed_sensors) > 0 ? [1] : []
    content {
      sid       = "PublishToRoutedSensorQueues"
      actions   = ["sqs:SendMessage"]
      resources = [for n in local.routed_sensors : aws_sqs_queue.sensor[n].arn]
    }
  }

  statement {
    sid       = "AsyncFailuresToDlq"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.source_dlq.arn]
  }

  statement {
    sid       = "WriteClaimChecks"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.this["claims"].arn}/*"]
  }

  dynamic "statement" {
    for_each = length(local.source_consumed_queue_arns) > 0 ? [1] : []
    content {
      sid = "ConsumeSourceQueues"
      actions = [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
      ]
      resources = local.source_consumed_queue_arns
    }
  }

  dynamic "statement" {
    for_each = local.manifests_object_arn == null ? [] : [1]
    content {
      sid       = "ReadManifests"
      actions   = ["s3:GetObject"]
      resources = [local.manifests_object_arn]
    }
  }

  dynamic "statement" {
    for_each = length(var.source_secret_arns) > 0 ? [1] : []
    content {
      sid       = "ReadOwnSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = var.source_secret_arns
    }
  }

  dynamic "statement" {
    for_each = length(local.kms_key_arns) + length(var.external_queue_kms_key_arns) > 0 ? [1] : []
    content {
      sid       = "UseDataKeys"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = distinct(concat(local.kms_key_arns, var.external_queue_kms_key_arns))
    }
  }
}

resource "aws_iam_role_policy" "source" {
  name   = "tripline-source"
  role   = aws_iam_role.source.id
  policy = data.aws_iam_policy_document.source.json
}

# ---- sensor functions ---------------------------------------------------------------------------

resource "aws_iam_role" "sensor" {
  for_each = local.sensors

  name                 = local.sensor_function_names[each.key]
  assume_role_policy   = data.aws_iam_policy_document.lambda_assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = merge(var.tags, { "tripline:sensor" = each.key })
}

data "aws_iam_policy_document" "sensor" {
  for_each = local.sensors

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.sensor[each.key].arn}:*"]
  }

  statement {
    sid = "ConsumeOwnQueue"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
    ]
    resources = [aws_sqs_queue.sensor[each.key].arn]
  }

  # Held dependency state and idempotency records, under this sensor's prefix only.
  statement {
    sid       = "OwnStateObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.this["state"].arn}/sensors/${each.key}/*"]
  }

  # Without ListBucket a GET of a missing key answers 403 instead of 404, and "no state yet"
  # could not be told from "access denied". That check carries no s3:prefix, hence IfExists;
  # explicit listings with a prefix stay confined to the sensor's own.
  statement {
    sid       = "ListOwnStatePrefix"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.this["state"].arn]
    condition {
      test     = "StringLikeIfExists"
      variable = "s3:prefix"
      values   = ["sensors/${each.key}/*"]
    }
  }

  statement {
    sid       = "ReadClaimChecks"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.this["claims"].arn}/*"]
  }

  dynamic "statement" {
    for_each = local.manifests_object_arn == null ? [] : [1]
    content {
      sid       = "ReadManifests"
      actions   = ["s3:GetObject"]
      resources = [local.manifests_object_arn]
    }
  }

  dynamic "statement" {
    for_each = length(local.sensor_trigger_lambdas[each.key]) > 0 ? [1] : []
    content {
      sid     = "InvokeTriggerFunctions"
      actions = ["lambda:InvokeFunction"]
      resources = flatten([
        for arn in local.sensor_trigger_lambdas[each.key] : [arn, "${arn}:*"]
      ])
    }
  }

  dynamic "statement" {
    for_each = length(local.sensor_trigger_queues[each.key]) > 0 ? [1] : []
    content {
      sid       = "SendToTriggerQueues"
      actions   = ["sqs:SendMessage"]
      resources = local.sensor_trigger_queues[each.key]
    }
  }

  dynamic "statement" {
    for_each = length(var.sensor_secret_arns) > 0 ? [1] : []
    content {
      sid       = "ReadOwnSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = var.sensor_secret_arns
    }
  }

  dynamic "statement" {
    for_each = length(local.kms_key_arns) > 0 ? [1] : []
    content {
      sid       = "UseDataKeys"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = local.kms_key_arns
    }
  }
}

resource "aws_iam_role_policy" "sensor" {
  for_each = local.sensors

  name   = "tripline-sensor"
  role   = aws_iam_role.sensor[each.key].id
  policy = data.aws_iam_policy_document.sensor[each.key].json
}

# ---- AWS-managed policies for optional features ---------------------------------------------------

locals {
  # role key => role name, for the attachments below ("source" cannot collide: sensor keys are
  # prefixed).
  function_roles = merge(
    { "source" = aws_iam_role.source.name },
    { for name in keys(local.sensors) : "sensor:${name}" => aws_iam_role.sensor[name].name },
  )
}

resource "aws_iam_role_policy_attachment" "xray" {
  for_each = var.tracing_mode == "Active" ? local.function_roles : {}

  role       = each.value
  policy_arn = local.managed_policy_xray
}

resource "aws_iam_role_policy_attachment" "vpc" {
  for_each = var.vpc_config == null ? {} : local.function_roles

  role       = each.value
  policy_arn = local.managed_policy_vpc
}

# ---- EventBridge Scheduler ----------------------------------------------------------------------

data "aws_iam_policy_document" "scheduler_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
    # Confused-deputy guard: only schedules of this account may use the role.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  count = local.schedules_enabled ? 1 : 0

  name                 = "${var.name_prefix}-scheduler"
  assume_role_policy   = data.aws_iam_policy_document.scheduler_assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    sid       = "InvokeSourceFunction"
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_function.source.arn, "${aws_lambda_function.source.arn}:*"]
  }

  statement {
    sid       = "UndeliveredToDlq"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.source_dlq.arn]
  }

  dynamic "statement" {
    for_each = length(local.kms_key_arns) > 0 ? [1] : []
    content {
      sid       = "UseDataKeys"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = local.kms_key_arns
    }
  }
}

resource "aws_iam_role_policy" "scheduler" {
  count = local.schedules_enabled ? 1 : 0

  name   = "tripline-scheduler"
  role   = aws_iam_role.scheduler[0].id
  policy = data.aws_iam_policy_document.scheduler.json
}
