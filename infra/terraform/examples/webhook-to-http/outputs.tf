output "webhook_urls" {
  description = "URL per webhook, keyed by \"<eventSource>/<eventName>\"; POST to it with the bearer token."
  value       = module.tripline.webhook_urls
}

output "sensor_dlq_urls" {
  description = "Dead-letter queue per sensor."
  value       = module.tripline.sensor_dlq_urls
}

output "log_group_names" {
  description = "CloudWatch log groups of the functions."
  value       = module.tripline.log_group_names
}
