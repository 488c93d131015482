#!/usr/bin/env bash
# Prints the path of a python3 that has boto3 and the matching awscli (the pyenv one on our
# machines; Debian's python/awscli are too old for per-service endpoints).
for py in "$(command -v python3 2>/dev/null)" "$HOME"/.pyenv/versions/3*/bin/python3 /root/.pyenv/versions/3*/bin/python3; do
  [ -x "$py" ] || continue
  real=$("$py" -c 'import sys; print(sys.executable)' 2>/dev/null) || continue
  if "$real" -c 'import boto3, awscli' 2>/dev/null && [ -x "$(dirname "$real")/aws" ]; then
    echo "$real"; exit 0
  fi
done
echo "find-python: no python3 with boto3 and awscli found" >&2
exit 1
