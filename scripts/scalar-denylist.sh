#!/usr/bin/env bash
# Regenerates NIC0001's denylist, src/Analyzers/ScalarDenylist.Members.cs, from TorchSharp's source (the members that
# make a Scalar nothing holds, and those that reach them; scripts/scalar-denylist/Program.cs explains the derivation).
# Run it after changing the TorchSharp version in Directory.Packages.props, on a checkout of that release:
#   git clone --branch v0.107.0 https://github.com/dotnet/TorchSharp /tmp/TorchSharp   (or any tree of that commit)
#   scripts/scalar-denylist.sh /tmp/TorchSharp
# and review the diff: a new line is a new way to make a Scalar on the spot; Nic.Torch must not use it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 1 ] || [ ! -d "$1/src/TorchSharp" ]; then
  echo "usage: $0 TORCHSHARP_CHECKOUT (a tree with src/TorchSharp)" >&2
  exit 2
fi
out=src/Analyzers/ScalarDenylist.Members.cs
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
dotnet run --project scripts/scalar-denylist -c Release -- "$1/src/TorchSharp" "$tmp"
mv "$tmp" "$out"
trap - EXIT
git --no-pager diff --stat -- "$out"
