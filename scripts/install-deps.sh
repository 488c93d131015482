#!/usr/bin/env bash
# Installs the Debian packages opentrail builds and tests with, only if some are missing.
set -euo pipefail
pkgs=(build-essential g++ cmake pkg-config
      libmicrohttpd-dev libcurl4-openssl-dev libsqlite3-dev libssl-dev zlib1g-dev
      libisal-dev libsimdjson-dev libcmocka-dev openssl
      libcbor-dev                    # CloudWatch's smithy-rpc-v2-cbor protocol
      clang libclang-rt-14-dev
      help2man fakeroot dpkg-dev     # the man page; `make deb`
      nginx-light                    # test_proxy_nginx: the TLS front of docs/proxy.md
      prometheus)                    # test_metrics: the real Prometheus scrapes /metrics
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
