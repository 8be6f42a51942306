# The `nic` tool (managed engine only: no libtorch, no GPU) in a container, for `nic batch` on Kubernetes or Slurm
# (docs/batch.md). Build from the repository root:
#
#   docker build -t nic:0.1.0 .
#   docker run --rm -v "$PWD/samples:/data" nic:0.1.0 batch encode /data -o /data/nic-out
#
# The image runs as the runtime image's non-root user `app` (UID 1654): give it a volume it may write to.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Only what `nic` is built from: the build settings, the shipped models and the five projects of src/Cli's graph
# (nic-torch, the tests and the training code are left out, so no TorchSharp or libtorch package is restored).
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig README.md LICENSE ./
COPY models/ models/
COPY src/Format/ src/Format/
COPY src/Engine/ src/Engine/
COPY src/Models/ src/Models/
COPY src/Codec/ src/Codec/
COPY src/Cli/ src/Cli/
RUN dotnet publish src/Cli -c Release -o /app

FROM mcr.microsoft.com/dotnet/runtime:10.0
COPY --from=build /app /app
USER $APP_UID
WORKDIR /tmp
ENTRYPOINT ["dotnet", "/app/nic.dll"]
CMD ["--help"]
