#!/usr/bin/env bash
# Prints the path of a python3 that can run the end-to-end tests: boto3, moto[server] (its
# moto_server beside it) and an aws CLI beside it that honours AWS_ENDPOINT_URL (v1 >= 1.29 or
# v2 >= 2.13). Otherwise says on stderr what each python3 lacked and what to install, and fails.
# (Debian 12's python3-boto3 and awscli 2.9 are too old: they ignore AWS_ENDPOINT_URL.)

# What one python lacks, one item a line; nothing when it has everything.
lacks() {
  local py=$1 bin aws version
  bin=$(dirname "$py")
  "$py" -c 'import boto3' 2>/dev/null || echo "boto3"
  "$py" -c 'import moto.server' 2>/dev/null && [ -x "$bin/moto_server" ] || echo "moto[server]"
  aws="$bin/aws"
  if [ ! -x "$aws" ]; then
    echo "awscli (no aws beside it)"
    return
  fi
  version=$("$aws" --version 2>&1 | sed -n 's|^aws-cli/\([0-9]*\.[0-9]*\).*|\1|p')
  case "$version" in
    1.*) [ "${version#1.}" -ge 29 ] || echo "awscli >= 1.29 (has $version)" ;;
    2.*) [ "${version#2.}" -ge 13 ] || echo "awscli >= 2.13 (has $version)" ;;
    *) echo "awscli (cannot tell the version of $aws)" ;;
  esac
}

# OT_PYTHON_CANDIDATES (space-separated) replaces the pythons looked at: the test of this
# script uses it to stand for a machine without the tools.
candidates=${OT_PYTHON_CANDIDATES-"$(command -v python3 2>/dev/null) $(echo "$HOME"/.pyenv/versions/3*/bin/python3 /root/.pyenv/versions/3*/bin/python3)"}
report=""
seen=" "
for py in $candidates; do
  [ -x "$py" ] || continue
  real=$("$py" -c 'import sys; print(sys.executable)' 2>/dev/null) || continue
  case "$seen" in *" $real "*) continue ;; esac
  seen="$seen$real "
  missing=$(lacks "$real")
  if [ -z "$missing" ]; then
    echo "$real"
    exit 0
  fi
  report="$report  $real lacks: $(echo "$missing" | paste -sd, | sed 's/,/, /g')"$'\n'
done
{
  echo "find-python: no python3 can run the end-to-end tests."
  [ -n "$report" ] && printf '%s' "$report"
  echo "Install into one python3 (a venv or pyenv): boto3, moto[server] and awscli >= 1.29"
  echo "(aws CLI v2 >= 2.13 also works if its aws is in that python's bin dir), e.g."
  echo "  python3 -m venv ~/.venvs/opentrail && ~/.venvs/opentrail/bin/pip install boto3 'moto[server]' awscli"
  echo "then put ~/.venvs/opentrail/bin first in PATH. Debian 12's awscli (2.9) and python3-boto3 are too old."
} >&2
exit 1
