variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "us-east-1"
}

variable "name_prefix" {
  description = "Prefix of every resource name."
  type        = string
  default     = "tripline-wh"
}

variable "lambda_package" {
  description = "Path to bootstrap.zip; null uses target/lambda/bootstrap/bootstrap.zip of this repository."
  type        = string
  default     = null
}

variable "webhook_token" {
  description = "Bearer token webhook callers must send (Authorization: Bearer <token>)."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.webhook_token) >= 32
    error_message = "webhook_token must be at least 32 characters."
  }
}

variable "source_reserved_concurrency" {
  description = "Reserved concurrency of the source function (-1: unreserved)."
  type        = number
  default     = -1
}
