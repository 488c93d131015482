#!/usr/bin/env bash
# `make run`: prints, before the server starts, how to point the AWS CLI at it. Reads the serve
# options that change the answer (--listen, --data-dir, --region, --tls-cert) from its arguments,
# the same SERVE_ARGS the server gets; the defaults are serve's own.
listen=127.0.0.1:4590 data_dir=./opentrail-data region=us-east-1 tls_cert=
while [ $# -gt 0 ]; do
  case "$1" in
    --listen|--data-dir|--region|--tls-cert) opt=$1; val=${2-}; shift ;;
    --listen=*|--data-dir=*|--region=*|--tls-cert=*) opt=${1%%=*}; val=${1#*=} ;;
    *) shift; continue ;;
  esac
  case "$opt" in
    --listen) listen=$val ;;
    --data-dir) data_dir=$val ;;
    --region) region=$val ;;
    --tls-cert) tls_cert=$val ;;
  esac
  shift
done

abs() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/${1#./}" ;; esac; }
host=${listen%:*} port=${listen##*:}
case "$host" in 0.0.0.0|'[::]'|'') host=127.0.0.1 ;; esac   # listening everywhere: connect locally
scheme=http
[ -n "$tls_cert" ] && scheme=https

echo "opentrail: serving on $scheme://$host:$port, data in $(abs "$data_dir") (Ctrl-C stops it)."
echo "In another shell, point the AWS CLI (v1 >= 1.29 or v2 >= 2.13) at it:"
echo
echo "  unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN"
echo "  export AWS_SHARED_CREDENTIALS_FILE=$(abs "$data_dir")/credentials" \
     "AWS_ENDPOINT_URL=$scheme://$host:$port AWS_DEFAULT_REGION=$region"
[ -n "$tls_cert" ] && echo "  export AWS_CA_BUNDLE=$(abs "$tls_cert")"
echo "  aws cloudtrail describe-trails"
echo
