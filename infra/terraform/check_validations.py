#!/usr/bin/env python3
"""Evaluates the tripline-aws module's variable validations with the real `terraform` binary.

`terraform validate` needs the providers; `terraform console` over a copy of variables.tf alone
does not, and it runs every validation block. Each case sets some variables and expects either
no error or an error message containing a given text. This catches validations that error out
instead of failing cleanly (Terraform's `||` does not short-circuit, so `x == null || x > 1`
breaks on null) and validations that accept what they should reject.

Usage: check_validations.py   (needs `terraform` on PATH)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODULE = HERE / "modules" / "tripline-aws"
PLAN = HERE / "examples" / "s3-to-lambda" / "plan.json"
ANSI = re.compile(r"\x1b\[[0-9;]*m")

REQUIRED = {"plan_file": str(PLAN), "source_package": "bootstrap.zip"}

# (variables to set, expected error text or None for "no error")
CASES: list[tuple[dict[str, str], str | None]] = [
    ({}, None),
    (
        {
            "sensor_maximum_concurrency": "5",
            "claim_expiration_days": "3",
            "kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/abc",
            "manifests": "s3://my-bucket/manifests.tar.gz",
            "sensor_triggers": '{a={lambda_arns=["arn:aws:lambda:us-east-1:123456789012:function:f"]}}',
            "source_secret_env": '{TRIPLINE_SECRET_WEBHOOK_AUTH_TOKEN="t"}',
        },
        None,
    ),
    ({"plan_file": str(MODULE / "main.tf")}, "plan_file must be a readable JSON file"),
    ({"architecture": "arm65"}, "architecture must be"),
    ({"name_prefix": "Bad_"}, "name_prefix must be"),
    ({"sensor_maximum_concurrency": "1"}, "sensor_maximum_concurrency must be"),
    ({"claim_expiration_days": "0"}, "claim_expiration_days must be"),
    ({"log_retention_days": "13"}, "log_retention_days must be"),
    ({"manifests": "relative/dir"}, "manifests must be"),
    ({"kms_key_arn": "alias/mine"}, "kms_key_arn must be"),
    ({"source_secret_env": "{token=1}"}, "source_secret_env keys must"),
    ({"trigger_lambda_arns": '["arn:aws:lambda:us-east-1:123456789012:function:f:live"]'}, "trigger_lambda_arns must be"),
    ({"sensor_triggers": '{a={sqs_queue_arns=["queue"]}}'}, "sensor_triggers:"),
    ({"function_url_auth_type": "IAM"}, "function_url_auth_type must be"),
]


def run_case(workdir: Path, values: dict[str, str]) -> str:
    args = ["terraform", "console"]
    for name, value in {**REQUIRED, **values}.items():
        args += ["-var", f"{name}={value}"]
    env = dict(os.environ, CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1")
    if env.get("TF_CLI_CONFIG_FILE") and not Path(env["TF_CLI_CONFIG_FILE"]).exists():
        env.pop("TF_CLI_CONFIG_FILE")  # console reads no CLI setting we need; avoids a warning
    done = subprocess.run(
        args, cwd=workdir, input="var.name_prefix\n", capture_output=True, text=True, env=env, timeout=120
    )
    return ANSI.sub("", done.stdout + done.stderr)


def main() -> int:
    if shutil.which("terraform") is None:
        print("check_validations: terraform not on PATH, skipped")
        return 0
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copy(MODULE / "variables.tf", work / "variables.tf")
        for values, expect in CASES:
            out = run_case(work, values)
            label = ", ".join(f"{k}={v}" for k, v in values.items()) or "defaults"
            errors = "Error:" in out
            # Multi-line messages wrap; compare with whitespace collapsed and the box art removed.
            flat = " ".join(out.replace("│", " ").split())
            ok = (not errors) if expect is None else (errors and expect in flat)
            if ok:
                passed += 1
                print(f"ok   {label}")
            else:
                failed += 1
                print(f"FAIL {label}: expected {'no error' if expect is None else repr(expect)}\n{out}")
    print(f"check_validations: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
