# The routing plan and every name derived from it. Resources live in the files named after what
# they hold: queues.tf, functions.tf, iam.tf, s3.tf, sources.tf, schedules.tf.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region

  plan = jsondecode(file(var.plan_file))

  # Optional plan sections default to empty so a plan with only sensors and routes is valid.
  sensors     = { for name, cfg in local.plan.sensors : name => { fifo = try(tobool(cfg.fifo), false) } }
  routes      = { for key, names in try(local.plan.routes, {}) : key => distinct(names) }
  webhooks    = try(local.plan.webhooks, [])
  s3_sources  = try(local.plan.s3, [])
  schedules   = { for s in try(local.plan.schedules, []) : "${s.eventSource}/${s.eventName}" => s }
  sqs_sources = try(local.plan.sqs, [])
  # Entries `tripline aws-plan` could not map to AWS (and left out), as "<manifest> <path>: <why>".
  plan_problems = [for p in try(local.plan.problems, []) : "${p.manifest} ${p.path}: ${p.message}"]

  # Sensor names are Kubernetes names (up to 253 characters, dots allowed); AWS names are shorter
  # and narrower, so long or unusual names become a readable stem plus a stable hash.
  sensor_ids = {
    for name in keys(local.sensors) : name => (
      can(regex("^[a-z0-9][a-z0-9-]{0,29}$", name))
      ? name
      : format("%s-%s", trim(substr(replace(lower(name), "/[^a-z0-9-]+/", "-"), 0, 21), "-"), substr(sha1(name), 0, 8))
    )
  }
  sensor_function_names = { for name, id in local.sensor_ids : name => "${var.name_prefix}-sensor-${id}" }
  sensor_queue_stems    = { for name, id in local.sensor_ids : name => "${var.name_prefix}-sensor-${id}" }
  source_function_name  = "${var.name_prefix}-source"

  # Routes may only name sensors of the plan; the source function's precondition reports others.
  unknown_route_sensors = sort(distinct(flatten([
    for key, names in local.routes : [for n in names : "${key} -> ${n}" if !contains(keys(local.sensors), n)]
  ])))
  routed_sensors = sort(distinct(flatten([
    for names in values(local.routes) : [for n in names : n if contains(keys(local.sensors), n)]
  ])))
  route_queue_urls = {
    for key, names in local.routes : key => [for n in names : aws_sqs_queue.sensor[n].url if contains(keys(local.sensors), n)]
  }
  routes_json = jsonencode(local.route_queue_urls)

  # Manifests: uploaded from manifests_dir (content-addressed) or passed through as given.
  manifest_files = var.manifests_dir == null ? [] : sort(setunion(
    fileset(var.manifests_dir, "**/*.yaml"),
    fileset(var.manifests_dir, "**/*.yml"),
  ))
  manifests_bundle = join("\n---\n", [for f in local.manifest_files : trimspace(file("${var.manifests_dir}/${f}"))])
  manifests_key    = "manifests/${sha256(local.manifests_bundle)}.yaml"
  manifests_value  = var.manifests_dir == null ? var.manifests : "s3://${aws_s3_bucket.this["state"].id}/${local.manifests_key}"
  # The object ARN a function needs s3:GetObject on when manifests come from S3.
  manifests_s3_match = var.manifests_dir == null ? regexall("^s3://([^/]+)/(.+)$", var.manifests) : []
  manifests_object_arn = (
    var.manifests_dir != null ? "${aws_s3_bucket.this["state"].arn}/${local.manifests_key}"
    : length(local.manifests_s3_match) > 0 ? "arn:${local.partition}:s3:::${local.manifests_s3_match[0][0]}/${local.manifests_s3_match[0][1]}"
    : null
  )

  sensor_package = coalesce(var.sensor_package, var.source_package)

  # Environment shared by both roles; secrets are merged in per role.
  common_env = {
    TRIPLINE_CLAIM_BUCKET = aws_s3_bucket.this["claims"].id
    TRIPLINE_MANIFESTS    = local.manifests_value
    RUST_LOG              = var.rust_log
  }
}
