output "source_function_name" {
  description = "Name of the source function."
  value       = aws_lambda_function.source.function_name
}

output "source_function_arn" {
  description = "ARN of the source function."
  value       = aws_lambda_function.source.arn
}

output "function_url" {
  description = "Function URL of the source function (ends with '/'); null when the plan has no webhooks."
  value       = local.webhooks_enabled ? aws_lambda_function_url.source[0].function_url : null
}

output "webhook_urls" {
  description = "Full URL of each webhook of the plan, keyed by \"<eventSource>/<eventName>\"."
  value = local.webhooks_enabled ? {
    for w in local.webhooks : "${w.eventSource}/${w.eventName}" =>
    "${trimsuffix(aws_lambda_function_url.source[0].function_url, "/")}/${trimprefix(try(w.path, ""), "/")}"
  } : {}
}

output "sensor_function_names" {
  description = "Sensor function name per sensor."
  value       = { for name, fn in aws_lambda_function.sensor : name => fn.function_name }
}

output "sensor_function_arns" {
  description = "Sensor function ARN per sensor."
  value       = { for name, fn in aws_lambda_function.sensor : name => fn.arn }
}

output "sensor_queue_urls" {
  description = "Queue URL per sensor (the values of TRIPLINE_ROUTES)."
  value       = { for name, q in aws_sqs_queue.sensor : name => q.url }
}

output "sensor_queue_arns" {
  description = "Queue ARN per sensor."
  value       = { for name, q in aws_sqs_queue.sensor : name => q.arn }
}

output "sensor_dlq_urls" {
  description = "Dead-letter queue URL per sensor (inspect and redrive failed events here)."
  value       = { for name, q in aws_sqs_queue.sensor_dlq : name => q.url }
}

output "source_dlq_url" {
  description = "Dead-letter queue of failed asynchronous source invocations (schedules)."
  value       = aws_sqs_queue.source_dlq.url
}

output "intake_queue_arn" {
  description = "ARN of the queue receiving the plan buckets' S3 notifications; null without S3 sources."
  value       = local.intake_enabled ? aws_sqs_queue.intake[0].arn : null
}

output "routes" {
  description = "The TRIPLINE_ROUTES map given to the source function: \"<eventSource>/<eventName>\" => queue URLs."
  value       = local.route_queue_urls
}

output "claim_bucket_name" {
  description = "Claim-check bucket (bodies above the SQS limit)."
  value       = aws_s3_bucket.this["claims"].id
}

output "state_bucket_name" {
  description = "Sensor state bucket (held dependencies, idempotency records, uploaded manifests)."
  value       = aws_s3_bucket.this["state"].id
}

output "manifests" {
  description = "The TRIPLINE_MANIFESTS value the functions run with."
  value       = local.manifests_value
}

output "source_role_arn" {
  description = "Execution role of the source function."
  value       = aws_iam_role.source.arn
}

output "sensor_role_arns" {
  description = "Execution role per sensor (grant extra trigger permissions here if needed)."
  value       = { for name, r in aws_iam_role.sensor : name => r.arn }
}

output "schedule_arns" {
  description = "EventBridge Scheduler schedule ARN per calendar source."
  value       = { for key, s in aws_scheduler_schedule.calendar : key => s.arn }
}

output "log_group_names" {
  description = "CloudWatch log groups: the source function's, and one per sensor."
  value = {
    source  = aws_cloudwatch_log_group.source.name
    sensors = { for name, g in aws_cloudwatch_log_group.sensor : name => g.name }
  }
}
