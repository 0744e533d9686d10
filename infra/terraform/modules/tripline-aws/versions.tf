terraform {
  # optional() attribute defaults and startswith()/endswith() need 1.3; 1.5 is the declared floor (checked with 1.11).
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 6.29 is the first release whose aws_lambda_permission takes `invoked_via_function_url`:
      # since October 2025 a Function URL with auth type NONE also needs a lambda:InvokeFunction
      # statement conditioned on lambda:InvokedViaFunctionUrl, which 5.x cannot express
      # (without it every webhook request gets 403 Forbidden).
      version = ">= 6.29, < 7.0"
    }
  }
}
