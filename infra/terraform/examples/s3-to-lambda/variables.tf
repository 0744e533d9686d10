variable "region" {
  description = "AWS region to deploy to; the uploads bucket must be in it."
  type        = string
  default     = "us-east-1"
}

variable "name_prefix" {
  description = "Prefix of every resource name."
  type        = string
  default     = "tripline-s3"
}

variable "lambda_package" {
  description = "Path to bootstrap.zip; null uses target/lambda/bootstrap/bootstrap.zip of this repository."
  type        = string
  default     = null
}

variable "thumbnailer_function_arn" {
  description = "ARN of the existing function the sensor's awsLambda trigger invokes (`thumbnailer` in manifests/sensor.yaml)."
  type        = string
}

variable "claim_expiration_days" {
  description = "Days claim-check objects are kept; null lets the module derive it from the queue retentions."
  type        = number
  default     = null
}
