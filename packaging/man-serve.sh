#!/bin/sh
# Writes a help2man include file with a SERVE OPTIONS section: `opentrail serve --help` as
# preformatted text (backslashes and leading dots or quotes escaped for roff).
# usage: man-serve.sh OPENTRAIL_BINARY OUT_FILE
set -e
{
  echo "[SERVE OPTIONS]"
  echo ".nf"
  "$1" serve --help | sed -e 's/\\/\\e/g' -e "s/^[.']/\\\\\\&&/"
  echo ".fi"
} >"$2"
