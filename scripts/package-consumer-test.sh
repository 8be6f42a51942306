#!/usr/bin/env bash
# The packages as a new user gets them. Packs every shipped project into a local folder feed, then:
#  1. a fresh console project (dotnet new console + tests/PackageConsumer/Program.cs) that references Nic.Codec and
#     Nic.ImageSharp from that feed only (their other dependencies from the usual feed), restored into an empty NuGet
#     cache, is built and run: it lists the models, encodes a PNG, decodes it and loads the .nic through ImageSharp;
#  2. the same app published as a single file, run from another folder;
#  3. the README's C# examples (its "Using the SDK" and "ImageSharp" sections, as written) compiled against the packages;
#  4. the nic tool installed from the feed (dotnet tool install --tool-path) and run: models, encode, decode, info.
# Prints each package's size, the tool's install size and, last, "package consumer test: passed" (exit 0) or what failed.
# NIC_CONSUMER_KEEP=1 keeps the work folder.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

work=$(mktemp -d /tmp/nic-consumer.XXXXXX)
cleanup() { if [ "${NIC_CONSUMER_KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
feed=$work/feed
export NUGET_PACKAGES=$work/nuget-cache   # an empty cache: nothing comes from an earlier restore
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

step() { echo "== package consumer: $*"; }

step "pack (dotnet pack Sdk.sln -c Release -o FEED)"
dotnet pack Sdk.sln -c Release -o "$feed" -v q -nologo >"$work/pack.log" 2>&1 || { cat "$work/pack.log"; echo "error: dotnet pack failed"; exit 1; }
version=$(dotnet msbuild src/Codec/Nic.Codec.csproj -getProperty:Version -nologo)
for package in Nic.Format Nic.Codec.Engine Nic.Models Nic.Codec Nic.ImageSharp Nic.Torch Nic.Cli; do
  file=$feed/$package.$version.nupkg
  [ -f "$file" ] || { echo "error: $package.$version.nupkg was not made"; exit 1; }
  printf '  %-16s %8s KiB%s\n' "$package" "$(( $(stat -c %s "$file") / 1024 ))" \
    "$([ -f "$feed/$package.$version.snupkg" ] && echo "  (+ symbols $(( $(stat -c %s "$feed/$package.$version.snupkg") / 1024 )) KiB)")"
done
# Nic.Torch leaves libtorch to the application; no package may carry or require a platform's libtorch.
if unzip -p "$feed/Nic.Torch.$version.nupkg" '*.nuspec' | grep -q '<dependency id="libtorch'; then
  echo "error: the Nic.Torch package depends on a platform's libtorch"; exit 1
fi

cat >"$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local"><package pattern="Nic.*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
XML

step "a new console app referencing Nic.Codec and Nic.ImageSharp $version"
app=$work/app
mkdir -p "$app"
cp "$work/nuget.config" "$app/nuget.config"
(cd "$app" && dotnet new console -n Consumer -o . --force >/dev/null)
cp "$repo/tests/PackageConsumer/Program.cs" "$app/Program.cs"
(cd "$app" && dotnet add package Nic.Codec --version "$version" >/dev/null && dotnet add package Nic.ImageSharp --version "$version" >/dev/null) ||
  { echo "error: dotnet add package failed"; exit 1; }
(cd "$app" && dotnet build -c Release -v q -nologo >"$work/app-build.log" 2>&1) || { cat "$work/app-build.log"; echo "error: the consumer app did not build"; exit 1; }
mkdir -p "$work/run"
(cd "$app" && dotnet run -c Release --no-build -- "$work/run")

step "the same app published as one file, run from another folder"
(cd "$app" && dotnet publish -c Release -r linux-x64 --self-contained false -p:PublishSingleFile=true -o "$work/single" -v q -nologo >"$work/publish.log" 2>&1) ||
  { cat "$work/publish.log"; echo "error: the single-file publish failed"; exit 1; }
ls "$work/single/models"/*.nicm >/dev/null || { echo "error: the single-file publish has no models folder"; exit 1; }
mkdir -p "$work/run-single"
(cd / && "$work/single/Consumer" "$work/run-single")

step "the README's C# examples compiled against the packages"
snippets=$work/snippets
mkdir -p "$snippets"
cp "$work/nuget.config" "$snippets/nuget.config"
(cd "$snippets" && dotnet new console -n ReadmeSnippets -o . --force >/dev/null && rm Program.cs)
cp "$repo/tests/PackageConsumer/ReadmeSnippets.cs" "$snippets/"
python3 "$repo/tests/PackageConsumer/extract-snippets.py" "$repo/README.md" "$snippets/Snippets.g.cs" "Using the SDK" "ImageSharp"
(cd "$snippets" && for package in Nic.Codec Nic.ImageSharp Nic.Torch; do dotnet add package "$package" --version "$version" >/dev/null || exit 1; done &&
  dotnet add package Microsoft.Extensions.Logging --version 10.0.11 >/dev/null) || { echo "error: dotnet add package failed for the examples"; exit 1; }
(cd "$snippets" && dotnet build -c Release -v q -nologo >"$work/snippets-build.log" 2>&1) ||
  { grep -E 'error' "$work/snippets-build.log" | sort -u; echo "error: a README example does not compile against the packages (the lines above; the examples are in $snippets/Snippets.g.cs)"; exit 1; }
(cd "$snippets" && dotnet run -c Release --no-build)

step "the nic tool from the feed"
dotnet tool install Nic.Cli --version "$version" --tool-path "$work/tool" --configfile "$work/nuget.config" >/dev/null ||
  { echo "error: dotnet tool install Nic.Cli failed"; exit 1; }
nic=$work/tool/nic
"$nic" models | head -n 3
"$nic" encode "$work/run/input.png" -o "$work/tool-out.nic"
"$nic" decode "$work/tool-out.nic" -o "$work/tool-out.png"
"$nic" info "$work/tool-out.nic" --json >/dev/null
if find "$work/tool" -iname '*torch*' | grep -q .; then
  echo "error: the nic tool's install carries libtorch or TorchSharp"; exit 1
fi
files=$(dirname "$(find "$work/tool/.store" -name nic.dll -path '*/tools/*' | head -n 1)")
echo "  nic tool package: $(( $(stat -c %s "$feed/Nic.Cli.$version.nupkg") / 1024 / 1024 )) MiB; installed: $(du -sm "$work/tool" | cut -f1) MiB under --tool-path, of which the tool's files $(du -sm "$files" | cut -f1) MiB (models $(du -sm "$files/models" | cut -f1) MiB; the rest is the SDK's tool store keeping the package itself)"

echo "package consumer test: passed"
