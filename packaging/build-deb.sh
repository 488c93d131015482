#!/usr/bin/env bash
# `make deb`: builds opentrail_<version>_<arch>.deb in BUILD_DIR from a release build installed
# into /usr (`cmake --install`, the same rules as `make install`), with dpkg-deb under fakeroot:
# no debhelper. Depends comes from dpkg-shlibdeps on the binary, so it names this Debian
# release's runtime packages of the libraries opentrail links. Prints the .deb's path.
# usage: packaging/build-deb.sh BUILD_DIR [JOBS]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "${1:?usage: build-deb.sh BUILD_DIR [JOBS]}"
build=$(cd "$1" && pwd)
jobs=${2:-$(nproc)}
root="$build/deb-root"

# Runs a command with its output held back; shows it only if the command fails.
quietly() { local out; out=$("$@" 2>&1) || { printf '%s\n' "$out" >&2; return 1; }; }

quietly cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOT_REQUIRE_E2E=OFF \
  -DCMAKE_INSTALL_PREFIX=/usr
quietly cmake --build "$build" --target installable -j "$jobs"
rm -rf "$root"
DESTDIR="$root" quietly cmake --install "$build"
strip --strip-unneeded "$root/usr/bin/opentrail"

version=$("$root/usr/bin/opentrail" --version | awk '{print $2}')
arch=$(dpkg --print-architecture)
deb="$build/opentrail_${version}_${arch}.deb"

# dpkg-shlibdeps reads debian/control of the directory it runs in: a minimal one will do.
shlibs="$build/deb-shlibs"
mkdir -p "$shlibs/debian"
printf 'Source: opentrail\n\nPackage: opentrail\nArchitecture: any\n' >"$shlibs/debian/control"
depends=$(cd "$shlibs" && dpkg-shlibdeps -O -e "$root/usr/bin/opentrail" 2>/dev/null |
          sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

mkdir -p "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<CONTROL
Package: opentrail
Version: $version
Architecture: $arch
Maintainer: ${DEB_MAINTAINER:-The opentrail authors <opentrail@localhost>}
Section: admin
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends, adduser
Suggests: awscli
Description: self-hosted audit trail, wire- and file-compatible with AWS CloudTrail
 opentrail captures API activity events, keeps them durable in a write-ahead log and
 delivers them as CloudTrail log files into an embedded S3 bucket, with signed digest
 files. The AWS CLI and SDKs talk to it unchanged. This package runs it as the systemd
 service opentrail.service as the system user opentrail, with its data in
 /var/lib/opentrail.
CONTROL
echo /etc/opentrail/opentrail.conf >"$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do
  install -m 0755 "$src/packaging/deb/$script" "$root/DEBIAN/$script"
done
cat >"$root/usr/share/doc/opentrail/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: opentrail

Files: *
Copyright: The opentrail authors
License: Apache-2.0
 On Debian systems the full text of the Apache License 2.0 is in
 /usr/share/common-licenses/Apache-2.0, and in /usr/share/doc/opentrail/LICENSE.
COPYRIGHT

rm -f "$build"/opentrail_*.deb
quietly fakeroot dpkg-deb --build -Zxz "$root" "$deb"
echo "$deb"
