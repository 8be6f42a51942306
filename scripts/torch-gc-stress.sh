#!/usr/bin/env bash
# Runs Nic.Torch's tests while a background thread collects garbage and runs finalizers without pause
# (NIC_GC_STRESS=1, tests/Torch.Tests/TorchTestSetup.cs). A TorchSharp Scalar or tensor that is finalized while
# libtorch still reads it — the fault src/Torch/TensorArithmetic.cs explains — then shows within seconds as a libtorch
# error or a crash of the test host (named by --blame-crash), where without the stress it shows only now and then.
# Takes about 5 minutes on 2 cores. NIC_GC_STRESS_NO_BUILD=1 skips the build (CI has just built everything).
set -uo pipefail
cd "$(dirname "$0")/.."
build=()
[ "${NIC_GC_STRESS_NO_BUILD:-}" = 1 ] && build=(--no-build)
NIC_GC_STRESS=1 dotnet test tests/Torch.Tests/Nic.Torch.Tests.csproj -c Release "${build[@]}" \
  --blame-crash --blame-crash-dump-type mini "$@"
