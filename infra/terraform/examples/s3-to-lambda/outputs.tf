output "intake_queue_arn" {
  description = "Queue receiving the bucket's notifications."
  value       = module.tripline.intake_queue_arn
}

output "sensor_function_names" {
  description = "Sensor function per sensor."
  value       = module.tripline.sensor_function_names
}

output "sensor_dlq_urls" {
  description = "Dead-letter queue per sensor."
  value       = module.tripline.sensor_dlq_urls
}
