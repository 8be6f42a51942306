# Shared by scripts/fuzz-smoke.sh and scripts/fuzz-campaign.sh (sourced, not run): building the fuzz tool, instrumenting
# a copy of it for afl-fuzz, running afl-fuzz on one target and reading its figures. Run from the repository root.

FUZZ_TARGETS=(reader identify decode entropy)
FUZZ_BIN=fuzz/Nic.Fuzz/bin/Release/net10.0
# Absolute from here on, whether NIC_FUZZ_OUT is relative (to the repository root) or absolute.
FUZZ_OUT=$(realpath -m "${NIC_FUZZ_OUT:-artifacts/fuzz}")
FUZZ_AFL_BIN=$FUZZ_OUT/afl-bin

# The fuzz tool, uninstrumented (in-process fuzzing, replays, instrumenting).
fuzz_tool() { dotnet "$FUZZ_BIN/Nic.Fuzz.dll" "$@"; }

fuzz_build() {
  if [ "${NIC_FUZZ_NO_BUILD:-0}" = 1 ] && [ -f "$FUZZ_BIN/Nic.Fuzz.dll" ]; then
    return 0
  fi
  dotnet build fuzz/Nic.Fuzz/Nic.Fuzz.csproj -c Release -v q -nologo >"$FUZZ_OUT/build.log" 2>&1 || {
    cat "$FUZZ_OUT/build.log"
    echo "error: the fuzz tool did not build"
    return 1
  }
}

# afl-fuzz on PATH, and not switched off with NIC_FUZZ_MODE=inprocess.
fuzz_have_afl() {
  [ "${NIC_FUZZ_MODE:-auto}" != inprocess ] && command -v afl-fuzz >/dev/null 2>&1
}

# Why the in-process fuzzer runs instead of afl-fuzz.
fuzz_inprocess_reason() {
  if [ "${NIC_FUZZ_MODE:-auto}" = inprocess ]; then echo "NIC_FUZZ_MODE=inprocess"; else echo "afl-fuzz is not installed"; fi
}

fuzz_afl_version() {
  afl-fuzz -h 2>&1 | grep -oE 'afl-fuzz\+*[0-9][0-9a-z.]*' | head -n 1
}

# A copy of the build output whose Nic assemblies carry afl-fuzz's edge instrumentation (SharpFuzz), made anew when
# the build is newer. The shipped models are linked, not copied.
fuzz_instrument() {
  local stamp=$FUZZ_AFL_BIN/.instrumented
  if [ -f "$stamp" ] && [ "$stamp" -nt "$FUZZ_BIN/Nic.Codec.dll" ] && [ "$stamp" -nt "$FUZZ_BIN/Nic.Format.dll" ] && [ "$stamp" -nt "$FUZZ_BIN/Nic.Fuzz.dll" ]; then
    return 0
  fi
  rm -rf "$FUZZ_AFL_BIN"
  mkdir -p "$FUZZ_AFL_BIN"
  find "$FUZZ_BIN" -maxdepth 1 -type f -exec cp {} "$FUZZ_AFL_BIN/" \;
  ln -s "$(cd "$FUZZ_BIN/models" && pwd)" "$FUZZ_AFL_BIN/models"
  fuzz_tool instrument "$FUZZ_AFL_BIN/Nic.Format.dll" "$FUZZ_AFL_BIN/Nic.Codec.dll" >"$FUZZ_OUT/instrument.log" 2>&1 || {
    cat "$FUZZ_OUT/instrument.log"
    return 1
  }
  touch "$stamp"
}

# fuzz_afl TARGET SECONDS OUTDIR: afl-fuzz on one target for SECONDS, resuming OUTDIR when it holds an earlier session.
fuzz_afl() {
  local target=$1 seconds=$2 out=$3
  mkdir -p "$out"
  AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 \
    AFL_AUTORESUME=1 AFL_FORKSRV_INIT_TMOUT=120000 \
    afl-fuzz -i "fuzz/corpus/$target" -o "$out" -x fuzz/nic.dict -t "${NIC_FUZZ_TIMEOUT_MS:-5000}" -m none -V "$seconds" \
    -- dotnet "$FUZZ_AFL_BIN/Nic.Fuzz.dll" afl "$target" >"$out/afl.log" 2>&1
}

# fuzz_stat OUTDIR NAME: one value of afl-fuzz's fuzzer_stats.
fuzz_stat() {
  sed -n "s/^$2 *: *//p" "$1/default/fuzzer_stats" 2>/dev/null | head -n 1
}

# fuzz_afl_report TARGET OUTDIR: one line of figures.
fuzz_afl_report() {
  local out=$2
  echo "$1: $(fuzz_stat "$out" execs_done) executions in $(fuzz_stat "$out" run_time) s ($(fuzz_stat "$out" execs_per_sec)/s)," \
    "$(fuzz_stat "$out" edges_found) edges ($(fuzz_stat "$out" bitmap_cvg) of the map), corpus $(fuzz_stat "$out" corpus_count)," \
    "stability $(fuzz_stat "$out" stability), $(fuzz_stat "$out" saved_crashes) crashes, $(fuzz_stat "$out" saved_hangs) hangs"
}

# fuzz_afl_findings TARGET OUTDIR FINDINGS: copies afl-fuzz's crashes and hangs into FINDINGS/TARGET and replays them
# in-process (uninstrumented). Crashes count as findings; a hang counts only when it hangs again in the replay (so a
# machine too busy to keep afl-fuzz's time limit fails nothing). Returns 0 when there is no finding, 1 otherwise.
fuzz_afl_findings() {
  local target=$1 out=$2 findings=$3/$1 found=0 f
  mkdir -p "$findings"
  shopt -s nullglob
  local crashes=("$out"/default/crashes/id:*) hangs=("$out"/default/hangs/id:*)
  shopt -u nullglob
  for f in "${crashes[@]}"; do
    cp "$f" "$findings/afl-crash-$(sha256sum "$f" | cut -c1-12).bin"
  done
  if [ ${#crashes[@]} -gt 0 ]; then
    echo "$target: afl-fuzz saved ${#crashes[@]} crashes; in-process replay:"
    fuzz_tool replay "$target" "${crashes[@]}" --findings "$3" | sed 's/^/  /'
    found=$((found + ${#crashes[@]}))
  fi
  for f in "${hangs[@]}"; do
    if ! fuzz_tool replay "$target" "$f" --hang-seconds "${NIC_FUZZ_HANG_SECONDS:-10}" --findings "$3" >"$findings/replay.log" 2>&1; then
      cp "$f" "$findings/afl-hang-$(sha256sum "$f" | cut -c1-12).bin"
      echo "$target: a hang saved by afl-fuzz hangs in-process too:"
      sed 's/^/  /' "$findings/replay.log"
      found=$((found + 1))
    else
      echo "$target: afl-fuzz timed out on $(basename "$f"), but it ran in time in-process: $(tail -n 1 "$findings/replay.log")"
    fi
  done
  [ "$found" -eq 0 ]
}
