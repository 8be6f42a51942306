#!/bin/sh
# Measures what ICC profiles, EXIF and XMP cost in .nic files against the BCL's lossless coders
# (docs/metadata-compression.md): the photographs' metadata (data/photos, from scripts/fetch-data.sh) and the ICC
# profiles of two Debian packages, downloaded (not installed) into a temporary folder.
# Usage: scripts/measure-metadata.sh [--json]
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download icc-profiles-free=2.0.1+dfsg-1.1 colord-data=1.4.6-2.2 >/dev/null)
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/tree"; done
# shellcheck disable=SC2046
exec dotnet run --project src/Cli -c Release -- bench metadata data/photos/*/*.jpg \
    "$work/tree/usr/share/color/icc/sRGB.icc" "$work/tree/usr/share/color/icc/compatibleWithAdobeRGB1998.icc" \
    "$work"/tree/usr/share/color/icc/colord/*.icc "$@"
