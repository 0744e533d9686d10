# The source function (intake of every event source, publisher onto the sensor queues) and one
# sensor function per sensor, each fed by its own queue.

locals {
  # Lambda caps the environment at 4 KB in total; the routes map is the part that grows with the
  # plan, so it gets a budget that leaves room for the rest (secrets included).
  routes_env_budget = 3072

  source_env = merge(local.common_env, {
    TRIPLINE_ROLE                 = "source"
    TRIPLINE_ROUTES               = local.routes_json
    TRIPLINE_SECRETS_MANAGER_ARNS = jsonencode(var.source_secret_arns)
  })

  sensor_env = {
    for name in keys(local.sensors) : name => merge(local.common_env, {
      TRIPLINE_ROLE                 = "sensor"
      TRIPLINE_SENSOR               = name
      TRIPLINE_STATE_BUCKET         = aws_s3_bucket.this["state"].id
      TRIPLINE_SECRETS_MANAGER_ARNS = jsonencode(var.sensor_secret_arns)
    })
  }
}

resource "aws_cloudwatch_log_group" "source" {
  #checkov:skip=CKV_AWS_338:Operational logs of an event bus; retention is var.log_retention_days (default 14) so deployments choose their own audit period.
  name              = "/aws/lambda/${local.source_function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_cloudwatch_log_group" "sensor" {
  #checkov:skip=CKV_AWS_338:Operational logs of an event bus; retention is var.log_retention_days (default 14) so deployments choose their own audit period.
  for_each = local.sensors

  name              = "/aws/lambda/${local.sensor_function_names[each.key]}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = merge(var.tags, { "tripline:sensor" = each.key })
}

resource "aws_lambda_function" "source" {
  function_name                  = local.source_function_name
  description                    = "Tripline source: event intake, publishes CloudEvents to the sensor queues"
  role                           = aws_iam_role.source.arn
  filename                       = var.source_package
  source_code_hash               = filebase64sha256(var.source_package)
  runtime                        = "provided.al2023"
  handler                        = "bootstrap"
  architectures                  = [var.architecture]
  timeout                        = var.source_timeout
  memory_size                    = var.source_memory_size
  reserved_concurrent_executions = var.source_reserved_concurrency
  kms_key_arn                    = var.kms_key_arn
  code_signing_config_arn        = var.code_signing_config_arn
  tags                           = var.tags

  environment {
    variables = merge(var.source_secret_env, local.source_env)
  }

  tracing_config {
    mode = var.tracing_mode
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.source_dlq.arn
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.source.name
  }

  dynamic "vpc_config" {
    for_each = var.vpc_config == null ? [] : [var.vpc_config]
    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = vpc_config.value.security_group_ids
    }
  }

  lifecycle {
    precondition {
      condition     = length(local.plan_problems) == 0 || var.allow_plan_problems
      error_message = "The plan left out what AWS cannot serve (set allow_plan_problems = true to deploy the rest):\n${join("\n", local.plan_problems)}"
    }
    precondition {
      condition     = length(setsubtract(keys(var.sensor_triggers), keys(local.sensors))) == 0
      error_message = "sensor_triggers names sensors the plan does not have: ${join(", ", sort(setsubtract(keys(var.sensor_triggers), keys(local.sensors))))}."
    }
    precondition {
      condition     = length(local.unknown_route_sensors) == 0
      error_message = "The plan routes events to sensors it does not declare under \"sensors\": ${join(", ", local.unknown_route_sensors)}."
    }
    precondition {
      condition     = length(local.routes_json) <= local.routes_env_budget
      error_message = "TRIPLINE_ROUTES is ${length(local.routes_json)} bytes; Lambda allows 4 KB of environment in total and this module budgets ${local.routes_env_budget} for the routes. Split the manifests over several deployments (name_prefix) or shorten name_prefix."
    }
  }

  # The role's policy must exist before the first invocation (and before the DLQ check Lambda
  # makes on create).
  depends_on = [aws_iam_role_policy.source]
}

resource "aws_lambda_function" "sensor" {
  #checkov:skip=CKV_AWS_116:Sensor functions are only invoked synchronously by their SQS event source mapping, where a function DLQ never applies; failed messages go to the sensor queue's redrive DLQ (aws_sqs_queue.sensor_dlq).
  for_each = local.sensors

  function_name                  = local.sensor_function_names[each.key]
  description                    = "Tripline sensor ${each.key}"
  role                           = aws_iam_role.sensor[each.key].arn
  filename                       = local.sensor_package
  source_code_hash               = filebase64sha256(local.sensor_package)
  runtime                        = "provided.al2023"
  handler                        = "bootstrap"
  architectures                  = [var.architecture]
  timeout                        = var.sensor_timeout
  memory_size                    = var.sensor_memory_size
  reserved_concurrent_executions = var.sensor_reserved_concurrency
  kms_key_arn                    = var.kms_key_arn
  code_signing_config_arn        = var.code_signing_config_arn
  tags                           = merge(var.tags, { "tripline:sensor" = each.key })

  environment {
    variables = merge(var.sensor_secret_env, local.sensor_env[each.key])
  }

  tracing_config {
    mode = var.tracing_mode
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.sensor[each.key].name
  }

  dynamic "vpc_config" {
    for_each = var.vpc_config == null ? [] : [var.vpc_config]
    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = vpc_config.value.security_group_ids
    }
  }

  depends_on = [aws_iam_role_policy.sensor]
}

# Partial batch responses: the function reports the message ids it could not handle and only
# those are retried (and, after max_receive_count deliveries, dead-lettered).
resource "aws_lambda_event_source_mapping" "sensor" {
  for_each = local.sensors

  event_source_arn        = aws_sqs_queue.sensor[each.key].arn
  function_name           = aws_lambda_function.sensor[each.key].arn
  batch_size              = var.sensor_batch_size
  function_response_types = ["ReportBatchItemFailures"]
  tags                    = merge(var.tags, { "tripline:sensor" = each.key })

  dynamic "scaling_config" {
    for_each = var.sensor_maximum_concurrency == null ? [] : [var.sensor_maximum_concurrency]
    content {
      maximum_concurrency = scaling_config.value
    }
  }
}
