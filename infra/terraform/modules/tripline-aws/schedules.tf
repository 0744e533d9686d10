# Calendar EventSources: one EventBridge Scheduler schedule per (eventSource, eventName), invoking
# the source function with a small marker payload; the function turns it into the CloudEvent.

locals {
  schedules_enabled = length(local.schedules) > 0

  # Schedule names: [0-9A-Za-z_.-], at most 64 characters, unique in the group.
  schedule_names = {
    for key in keys(local.schedules) : key => format(
      "%s-%s", substr(replace(key, "/[^0-9A-Za-z_.-]+/", "-"), 0, 54), substr(sha1(key), 0, 8)
    )
  }
}

resource "aws_scheduler_schedule_group" "this" {
  count = local.schedules_enabled ? 1 : 0

  name = var.name_prefix
  tags = var.tags
}

resource "aws_scheduler_schedule" "calendar" {
  for_each = local.schedules

  name                         = local.schedule_names[each.key]
  group_name                   = aws_scheduler_schedule_group.this[0].name
  description                  = "Tripline calendar source ${each.key}"
  schedule_expression          = each.value.expression
  schedule_expression_timezone = try(each.value.timezone, "UTC")
  state                        = "ENABLED"
  kms_key_arn                  = var.kms_key_arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.source.arn
    role_arn = aws_iam_role.scheduler[0].arn
    input = jsonencode({
      tripline    = "schedule"
      eventSource = each.value.eventSource
      eventName   = each.value.eventName
    })

    retry_policy {
      maximum_event_age_in_seconds = var.schedule_max_event_age_seconds
      maximum_retry_attempts       = var.schedule_max_retries
    }

    dead_letter_config {
      arn = aws_sqs_queue.source_dlq.arn
    }
  }

  lifecycle {
    precondition {
      condition     = can(regex("^(cron|rate|at)\\(.+\\)$", each.value.expression))
      error_message = "Schedule ${each.key}: expression must be cron(...), rate(...) or at(...), got \"${each.value.expression}\"."
    }
  }

  # The scheduler role must be able to invoke before the first occurrence fires.
  depends_on = [aws_iam_role_policy.scheduler]
}
