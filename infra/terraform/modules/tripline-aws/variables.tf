# ---- deployment inputs ------------------------------------------------------------------------

variable "plan_file" {
  description = "Path to the routing plan JSON made by `tripline aws-plan <manifests dir>` (sensors, routes, webhooks, s3, schedules, sqs)."
  type        = string

  validation {
    condition     = can(jsondecode(file(var.plan_file)).sensors)
    error_message = "plan_file must be a readable JSON file with a top-level \"sensors\" object (generate it with `tripline aws-plan <manifests dir> > plan.json`)."
  }
}

variable "allow_plan_problems" {
  description = "Deploy even when the plan lists problems (manifest entries the AWS deployment cannot serve, which the plan left out)."
  type        = bool
  default     = false
}

variable "source_package" {
  description = "Path to the Lambda zip of the source function (`target/lambda/<bin>/bootstrap.zip` from `cargo lambda build --release --output-format zip`)."
  type        = string
}

variable "sensor_package" {
  description = "Path to the Lambda zip of the sensor functions; null uses source_package (one binary, role picked by TRIPLINE_ROLE)."
  type        = string
  default     = null
}

variable "manifests" {
  description = "TRIPLINE_MANIFESTS for both roles: a directory inside the package, or s3://bucket/key of a tarball or YAML file. Ignored when manifests_dir is set."
  type        = string
  default     = "/var/task/manifests"

  validation {
    condition     = startswith(var.manifests, "/") || can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+$", var.manifests))
    error_message = "manifests must be an absolute path inside the package or s3://bucket/key."
  }
}

variable "manifests_dir" {
  description = "Optional local directory of EventSource/Sensor YAML. When set, its *.yaml/*.yml files are joined into one multi-document YAML object in the state bucket (content-addressed key, so a change redeploys the functions) and TRIPLINE_MANIFESTS points at it."
  type        = string
  default     = null
}

variable "name_prefix" {
  description = "Prefix of every resource name (functions, queues, roles, buckets, schedule group). Lowercase, 2-20 characters."
  type        = string
  default     = "tripline"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,18}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 2-20 characters of a-z, 0-9 and '-', start with a letter and not end with '-'."
  }
}

variable "tags" {
  description = "Tags applied to every taggable resource."
  type        = map(string)
  default     = {}
}

# ---- functions --------------------------------------------------------------------------------

variable "architecture" {
  description = "Instruction set of the functions; must match the target the zips were built for."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be \"x86_64\" or \"arm64\"."
  }
}

variable "source_timeout" {
  description = "Timeout of the source function, in seconds."
  type        = number
  default     = 30

  validation {
    condition     = var.source_timeout >= 1 && var.source_timeout <= 900
    error_message = "source_timeout must be between 1 and 900 seconds."
  }
}

variable "source_memory_size" {
  description = "Memory of the source function, in MB."
  type        = number
  default     = 256

  validation {
    condition     = var.source_memory_size >= 128 && var.source_memory_size <= 10240
    error_message = "source_memory_size must be between 128 and 10240 MB."
  }
}

variable "source_reserved_concurrency" {
  description = "Reserved concurrency of the source function; caps what unauthenticated Function URL traffic can cost. -1 leaves it unreserved."
  type        = number
  default     = -1

  validation {
    condition     = var.source_reserved_concurrency >= -1
    error_message = "source_reserved_concurrency must be -1 (unreserved) or a non-negative number."
  }
}

variable "source_batch_size" {
  description = "Batch size of the event source mappings that feed the source function (S3 intake queue, external SQS sources)."
  type        = number
  default     = 10

  validation {
    condition     = var.source_batch_size >= 1 && var.source_batch_size <= 10
    error_message = "source_batch_size must be between 1 and 10."
  }
}

variable "sensor_timeout" {
  description = "Timeout of each sensor function, in seconds. Sensor queues get a visibility timeout of 6x this (AWS guidance for SQS event sources)."
  type        = number
  default     = 60

  validation {
    condition     = var.sensor_timeout >= 1 && var.sensor_timeout <= 900
    error_message = "sensor_timeout must be between 1 and 900 seconds."
  }
}

variable "sensor_memory_size" {
  description = "Memory of each sensor function, in MB."
  type        = number
  default     = 256

  validation {
    condition     = var.sensor_memory_size >= 128 && var.sensor_memory_size <= 10240
    error_message = "sensor_memory_size must be between 128 and 10240 MB."
  }
}

variable "sensor_reserved_concurrency" {
  description = "Reserved concurrency of each sensor function; -1 leaves it unreserved."
  type        = number
  default     = -1

  validation {
    condition     = var.sensor_reserved_concurrency >= -1
    error_message = "sensor_reserved_concurrency must be -1 (unreserved) or a non-negative number."
  }
}

variable "sensor_batch_size" {
  description = "Batch size of the event source mapping from each sensor queue to its function (10 is the FIFO maximum)."
  type        = number
  default     = 10

  validation {
    condition     = var.sensor_batch_size >= 1 && var.sensor_batch_size <= 10
    error_message = "sensor_batch_size must be between 1 and 10."
  }
}

variable "sensor_maximum_concurrency" {
  description = "Upper bound of concurrent sensor function invocations per queue (event source mapping scaling_config, 2-1000); null leaves it unbounded."
  type        = number
  default     = null

  validation {
    condition     = var.sensor_maximum_concurrency == null ? true : (var.sensor_maximum_concurrency >= 2 && var.sensor_maximum_concurrency <= 1000)
    error_message = "sensor_maximum_concurrency must be null or between 2 and 1000."
  }
}

variable "rust_log" {
  description = "RUST_LOG of both roles (tracing filter directives)."
  type        = string
  default     = "info"
}

variable "tracing_mode" {
  description = "X-Ray tracing mode of the functions: \"Active\" samples and records traces (and attaches AWSXRayDaemonWriteAccess), \"PassThrough\" only forwards upstream trace headers."
  type        = string
  default     = "PassThrough"

  validation {
    condition     = contains(["Active", "PassThrough"], var.tracing_mode)
    error_message = "tracing_mode must be \"Active\" or \"PassThrough\"."
  }
}

variable "code_signing_config_arn" {
  description = "Optional Lambda code signing configuration applied to every function."
  type        = string
  default     = null
}

variable "vpc_config" {
  description = "Optional VPC placement of every function. The subnets need a route to the AWS APIs (NAT or VPC endpoints for SQS, S3, Secrets Manager) and to trigger targets."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null
}

# ---- secrets ----------------------------------------------------------------------------------

variable "source_secret_env" {
  description = "Secret values for the source function (webhook bearer tokens, signing secrets), keyed by their env name TRIPLINE_SECRET_<NAME>_<KEY> (see tripline_core::secret::env_var_name). Encrypted at rest with kms_key_arn when set."
  type        = map(string)
  default     = {}
  sensitive   = true

  validation {
    condition     = alltrue([for k in keys(var.source_secret_env) : can(regex("^TRIPLINE_SECRET_[A-Z0-9_]+$", k))])
    error_message = "source_secret_env keys must look like TRIPLINE_SECRET_<NAME>_<KEY> (A-Z, 0-9, _)."
  }
}

variable "sensor_secret_env" {
  description = "Secret values for every sensor function (trigger credentials), keyed by their env name TRIPLINE_SECRET_<NAME>_<KEY>."
  type        = map(string)
  default     = {}
  sensitive   = true

  validation {
    condition     = alltrue([for k in keys(var.sensor_secret_env) : can(regex("^TRIPLINE_SECRET_[A-Z0-9_]+$", k))])
    error_message = "sensor_secret_env keys must look like TRIPLINE_SECRET_<NAME>_<KEY> (A-Z, 0-9, _)."
  }
}

variable "source_secret_arns" {
  description = "Secrets Manager secret ARNs the source function may read (secretsmanager:GetSecretValue on exactly these); passed as TRIPLINE_SECRETS_MANAGER_ARNS (JSON list)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.source_secret_arns : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", a))])
    error_message = "source_secret_arns must be Secrets Manager secret ARNs."
  }
}

variable "sensor_secret_arns" {
  description = "Secrets Manager secret ARNs every sensor function may read; passed as TRIPLINE_SECRETS_MANAGER_ARNS (JSON list)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.sensor_secret_arns : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", a))])
    error_message = "sensor_secret_arns must be Secrets Manager secret ARNs."
  }
}

# ---- trigger targets --------------------------------------------------------------------------

variable "trigger_lambda_arns" {
  description = "Lambda functions every sensor may invoke (awsLambda triggers); lambda:InvokeFunction on these and their qualifiers."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.trigger_lambda_arns : can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+$", a))])
    error_message = "trigger_lambda_arns must be unqualified Lambda function ARNs."
  }
}

variable "trigger_sqs_queue_arns" {
  description = "SQS queues every sensor may send to (sqs triggers); sqs:SendMessage on these."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.trigger_sqs_queue_arns : can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]+$", a))])
    error_message = "trigger_sqs_queue_arns must be SQS queue ARNs."
  }
}

variable "sensor_triggers" {
  description = "Per-sensor trigger targets, keyed by sensor name, added to trigger_lambda_arns / trigger_sqs_queue_arns for that sensor only (least privilege)."
  type = map(object({
    lambda_arns    = optional(list(string), [])
    sqs_queue_arns = optional(list(string), [])
  }))
  default = {}

  validation {
    condition = alltrue(flatten([
      for t in values(var.sensor_triggers) : concat(
        [for a in t.lambda_arns : can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+$", a))],
        [for a in t.sqs_queue_arns : can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]+$", a))],
      )
    ]))
    error_message = "sensor_triggers: lambda_arns must be unqualified Lambda function ARNs and sqs_queue_arns SQS queue ARNs."
  }
}

# ---- queues -----------------------------------------------------------------------------------

variable "max_receive_count" {
  description = "Deliveries of a message before SQS moves it to the queue's DLQ (redrive policy maxReceiveCount)."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be between 1 and 1000."
  }
}

variable "message_retention_seconds" {
  description = "Retention of messages in the sensor and intake queues."
  type        = number
  default     = 345600

  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds must be between 60 and 1209600."
  }
}

variable "dlq_message_retention_seconds" {
  description = "Retention of messages in the dead-letter queues (the maximum, 14 days, by default)."
  type        = number
  default     = 1209600

  validation {
    condition     = var.dlq_message_retention_seconds >= 60 && var.dlq_message_retention_seconds <= 1209600
    error_message = "dlq_message_retention_seconds must be between 60 and 1209600."
  }
}

# ---- encryption, storage, logs ----------------------------------------------------------------

variable "kms_key_arn" {
  description = "Optional customer-managed KMS key for SQS, S3, CloudWatch Logs, Lambda environment variables and schedules. Null uses SQS-managed SSE, SSE-S3 and AWS-owned keys. Its key policy must allow the logs and s3 service principals (see README)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "kms_data_key_reuse_period_seconds" {
  description = "How long SQS reuses a data key before calling KMS again (only with kms_key_arn)."
  type        = number
  default     = 300

  validation {
    condition     = var.kms_data_key_reuse_period_seconds >= 60 && var.kms_data_key_reuse_period_seconds <= 86400
    error_message = "kms_data_key_reuse_period_seconds must be between 60 and 86400."
  }
}

variable "claim_bucket_name" {
  description = "Name of the claim-check bucket; null derives <name_prefix>-claims-<account>-<region>."
  type        = string
  default     = null
}

variable "state_bucket_name" {
  description = "Name of the sensor state bucket; null derives <name_prefix>-state-<account>-<region>."
  type        = string
  default     = null
}

variable "claim_expiration_days" {
  description = "Days after which claim-check objects expire. Null derives queue retention + DLQ retention + 1 day, so a message still finds its body even after a redrive (a FIFO DLQ restarts the retention clock)."
  type        = number
  default     = null

  validation {
    condition     = var.claim_expiration_days == null ? true : var.claim_expiration_days >= 1
    error_message = "claim_expiration_days must be null or at least 1."
  }
}

variable "state_noncurrent_version_days" {
  description = "Days after which overwritten versions of state objects are deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.state_noncurrent_version_days >= 1
    error_message = "state_noncurrent_version_days must be at least 1."
  }
}

variable "access_log_bucket" {
  description = "Optional bucket receiving S3 server access logs of the claim and state buckets."
  type        = string
  default     = null
}

variable "force_destroy_buckets" {
  description = "Let `terraform destroy` delete the claim and state buckets with their objects."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of the functions' CloudWatch log groups, in days."
  type        = number
  default     = 14

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "permissions_boundary_arn" {
  description = "Optional IAM permissions boundary for every role the module creates."
  type        = string
  default     = null
}

# ---- event sources ----------------------------------------------------------------------------

variable "function_url_auth_type" {
  description = "Auth type of the source function's URL. NONE (default) because webhook senders (GitHub, Stripe, Slack, plain webhooks) cannot sign SigV4 requests; the function authenticates each request itself (bearer token / HMAC signature from the EventSource). AWS_IAM for callers that can sign."
  type        = string
  default     = "NONE"

  validation {
    condition     = contains(["NONE", "AWS_IAM"], var.function_url_auth_type)
    error_message = "function_url_auth_type must be \"NONE\" or \"AWS_IAM\"."
  }
}

variable "external_queue_kms_key_arns" {
  description = "KMS keys of external SQS source queues that use SSE-KMS; the source function gets kms:Decrypt on these."
  type        = list(string)
  default     = []
}

variable "schedule_max_retries" {
  description = "Retries of EventBridge Scheduler when invoking the source function fails (0-185)."
  type        = number
  default     = 10

  validation {
    condition     = var.schedule_max_retries >= 0 && var.schedule_max_retries <= 185
    error_message = "schedule_max_retries must be between 0 and 185."
  }
}

variable "schedule_max_event_age_seconds" {
  description = "How long EventBridge Scheduler keeps retrying one occurrence (60-86400 s)."
  type        = number
  default     = 3600

  validation {
    condition     = var.schedule_max_event_age_seconds >= 60 && var.schedule_max_event_age_seconds <= 86400
    error_message = "schedule_max_event_age_seconds must be between 60 and 86400."
  }
}
