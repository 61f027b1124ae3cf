#!/usr/bin/env bash
# `npm test`: everything that checks webgrad, on whatever this machine has (a GPU, or SwiftShader on the CPU).
#
#   0. system packages: chromium (also the SwiftShader ICD), libvulkan1, mesa-vulkan-drivers, dataset-fashion-mnist
#      (the Fashion-MNIST IDX files the data tests read); installed with
#      apt-get when running as root on Debian/Ubuntu, otherwise the script stops and names them
#   1. node scripts/embed-shaders.mjs            (src/kernels/shaders.gen.ts)
#   2. tsc --noEmit -p .                         (typecheck)
#      depcruise src (npm run deps)              (import layers and cycles, .dependency-cruiser.cjs)
#   3. vitest run                                (projects 'node' and 'chromium'; counted per project)
#   4. deno run --unstable-webgpu -A test/deno/run.ts
#   5. npm run build, then node test/build/check.mjs (dist in Node, Chromium and Deno)
#   6. node test/e2e/run.mjs                     (the demo app: vite build, every page in headless Chromium)
#   7. node bench/smoke.mjs                      (when that file exists)
#
# Every stage runs even when an earlier one failed, so one run shows everything that is broken.
# The last line is `N passed, M failed`: N counts passed tests (vitest node + chromium, Deno checks, build checks,
# e2e checks); M counts failed tests plus one for each failed stage that is not itself a test (typecheck, deps,
# build, bench smoke, a runtime that ran zero tests, a crash). The exit status is non-zero exactly when M > 0.
#
# Environment: WEBGRAD_TEST_BUDGET_S (default 5100 = 85 min, the whole run's wall-clock cap; each stage gets
# at most what is left), CHROMIUM_PATH, DENO_BIN, WEBGRAD_KEEP_RESULTS=1 keeps the per-stage logs,
# WEBGRAD_VITEST_ARGS (extra vitest arguments, e.g. a file filter), WEBGRAD_DENO_FILTER (a check-name filter).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
START=$(date +%s)
BUDGET=${WEBGRAD_TEST_BUDGET_S:-5100}
OUT=$(mktemp -d "${TMPDIR:-/tmp}/webgrad-test.XXXXXX")
if [ "${WEBGRAD_KEEP_RESULTS:-}" = 1 ]; then echo "logs: $OUT"; else trap 'rm -rf "$OUT"' EXIT; fi

PASSED=0
FAILED=0
STAGES=()

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
record() { # record NAME ok|FAIL|skip DETAIL
  STAGES+=("$(printf '%-10s %-5s %s' "$1" "$2" "$3")")
  if [ "$2" = FAIL ]; then FAILED=$((FAILED + 1)); fi
}
# Seconds a stage may take: its own cap or whatever is left of the budget, whichever is less.
limit() {
  local left=$((BUDGET - ($(date +%s) - START)))
  if [ "$left" -lt 30 ]; then left=30; fi
  if [ "$1" -lt "$left" ]; then echo "$1"; else echo "$left"; fi
}
# Runs a command under a time limit; its process group is killed when the limit passes.
run_limited() { # run_limited CAP_SECONDS CMD...
  local cap
  cap=$(limit "$1")
  shift
  timeout --kill-after=20 "$cap" "$@"
}
finish() {
  say "summary"
  for s in "${STAGES[@]}"; do echo "  $s"; done
  echo "  (took $(($(date +%s) - START)) s)"
  echo
  echo "$PASSED passed, $FAILED failed"
  if [ "$FAILED" -gt 0 ]; then exit 1; fi
  exit 0
}

# tally NAME LOG MARKER RC OK_DETAIL: the stage printed `MARKER {"passed": N, "failed": M}` into LOG and
# exited with RC; adds its counts to the totals and records the stage (zero checks is a failure).
tally() {
  local name=$1 log=$2 marker=$3 rc=$4 ok=$5 line p f
  line=$(grep -o "^$marker .*" "$log" | tail -1 | cut -d' ' -f2-)
  if [ -z "$line" ]; then
    record "$name" FAIL "printed no $marker line (exit $rc; 124/137: over its time limit): ran zero checks"
    return
  fi
  read -r p f < <(node -e 'const r = JSON.parse(process.argv[1]); console.log(r.passed, r.failed)' "$line")
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
  if [ $((p + f)) -eq 0 ]; then record "$name" FAIL "ran zero checks"
  elif [ "$f" -gt 0 ]; then STAGES+=("$(printf '%-10s %-5s %s' "$name" FAIL "$p passed, $f failed")")
  elif [ "$rc" -ne 0 ]; then record "$name" FAIL "$p passed but it exited with status $rc"
  else record "$name" ok "$p passed$ok"; fi
}

# ---- 0. system packages ------------------------------------------------------------------------------
say "system packages"
installed() { dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null | grep -qx installed; }
find_chromium() {
  if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then echo "$CHROMIUM_PATH"; return; fi
  command -v chromium || command -v chromium-browser || true
}
missing=()
[ -n "$(find_chromium)" ] || missing+=(chromium)
if command -v dpkg-query >/dev/null 2>&1; then
  for p in libvulkan1 mesa-vulkan-drivers dataset-fashion-mnist; do installed "$p" || missing+=("$p"); done
elif ! { ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; }; then
  missing+=(libvulkan1)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "missing: ${missing[*]}"
  if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium libvulkan1 mesa-vulkan-drivers dataset-fashion-mnist with apt-get"
    if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium libvulkan1 mesa-vulkan-drivers dataset-fashion-mnist; }; then
      echo "apt-get could not install chromium libvulkan1 mesa-vulkan-drivers dataset-fashion-mnist"
      record system FAIL "apt-get install failed"
      finish
    fi
  else
    echo "webgrad's tests need these system packages: ${missing[*]}."
    echo "Install them with: sudo apt-get install -y chromium libvulkan1 mesa-vulkan-drivers dataset-fashion-mnist"
    echo "(on other systems: Chromium or Chrome, and a Vulkan loader and driver; set CHROMIUM_PATH to the browser)"
    record system FAIL "missing ${missing[*]}"
    finish
  fi
fi
CHROMIUM_BIN=$(find_chromium)
if [ -z "$CHROMIUM_BIN" ]; then
  record system FAIL "chromium is still missing after installation"
  finish
fi
export CHROMIUM_PATH=$CHROMIUM_BIN
SWIFTSHADER_ICD=/usr/lib/chromium/vk_swiftshader_icd.json
# Vulkan and Chromium complain on every start when this is unset; a private one silences them.
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -d "${XDG_RUNTIME_DIR}" ]; then
  export XDG_RUNTIME_DIR=$OUT/xdg
  mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
fi
echo "chromium: $CHROMIUM_BIN ($("$CHROMIUM_BIN" --version 2>/dev/null | head -1))"
echo "node: $(node --version)"
if [ ! -x node_modules/.bin/vitest ] || [ ! -x node_modules/.bin/tsc ]; then
  echo "node_modules is missing or incomplete: run \`npm install\` (or \`npm ci\`) first"
  record system FAIL "node_modules missing (run npm install)"
  finish
fi
record system ok "chromium, vulkan, node_modules present"

# ---- 1. embed shaders --------------------------------------------------------------------------------
say "embed shaders"
if node scripts/embed-shaders.mjs; then record shaders ok "src/kernels/shaders.gen.ts"; else record shaders FAIL "scripts/embed-shaders.mjs failed"; fi

# ---- 2. typecheck ------------------------------------------------------------------------------------
say "typecheck: tsc --noEmit -p ."
if run_limited 600 node_modules/.bin/tsc --noEmit -p .; then record typecheck ok ""; else record typecheck FAIL "tsc --noEmit -p . reported errors"; fi

# ---- 2b. import rules --------------------------------------------------------------------------------
say "import rules: depcruise src (.dependency-cruiser.cjs)"
if [ ! -f node_modules/dependency-cruiser/bin/dependency-cruise.mjs ]; then
  record deps FAIL "dependency-cruiser is not installed (run npm install)"
elif run_limited 300 node node_modules/dependency-cruiser/bin/dependency-cruise.mjs src --config .dependency-cruiser.cjs --output-type err; then
  record deps ok "layer order and no cycles in src/"
else
  record deps FAIL "import rules broken (the lines above name each rule and both files)"
fi

# ---- 3. vitest (node + chromium) ---------------------------------------------------------------------
say "vitest run (projects node, chromium)"
COUNTS=$OUT/vitest-counts.json
# shellcheck disable=SC2086 # WEBGRAD_VITEST_ARGS is split into arguments on purpose
WEBGRAD_VITEST_COUNTS=$COUNTS run_limited 3000 node_modules/.bin/vitest run --reporter=default --reporter=./scripts/vitest-counts.mjs ${WEBGRAD_VITEST_ARGS:-}
VITEST_RC=$?
# One line per project: "name passed failed skipped files broken-file-list"
if [ -f "$COUNTS" ]; then
  COUNT_LINES=$(node -e '
    const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const by = {};
    for (const [name, p] of Object.entries(c.projects)) {
      const base = name.replace(/ \(.*\)$/, "");
      const b = (by[base] ??= { passed: 0, failed: 0, skipped: 0, files: 0, broken: [] });
      b.passed += p.passed; b.failed += p.failed; b.skipped += p.skipped; b.files += p.files;
      b.broken.push(...p.brokenFiles.map((f) => f.file.replace(process.cwd() + "/", "")));
    }
    for (const want of ["node", "chromium"]) {
      const b = by[want] ?? { passed: 0, failed: 0, skipped: 0, files: 0, broken: [] };
      console.log([want, b.passed, b.failed, b.skipped, b.files, b.broken.join(",") || "-"].join(" "));
    }
    console.log(["unhandled", c.unhandledErrors, 0, 0, 0, "-"].join(" "));
  ' "$COUNTS")
else
  COUNT_LINES=$'node 0 0 0 0 -\nchromium 0 0 0 0 -\nunhandled 0 0 0 0 -'
  echo "vitest wrote no counts (exit $VITEST_RC): it crashed or was stopped before the end of the run"
fi
VITEST_FAILED=0
while read -r name p f s files broken; do
  if [ "$name" = unhandled ]; then
    if [ "$p" -gt 0 ]; then record vitest FAIL "$p unhandled error(s) outside tests"; VITEST_FAILED=1; fi
    continue
  fi
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
  detail="$p passed, $f failed, $s skipped in $files files"
  [ "$broken" != - ] && detail="$detail; broken files: $broken"
  if [ $((p + f)) -eq 0 ]; then
    record "$name" FAIL "ran zero tests ($detail)"
    VITEST_FAILED=1
  elif [ "$f" -gt 0 ]; then
    STAGES+=("$(printf '%-10s %-5s %s' "$name" FAIL "$detail")")
    VITEST_FAILED=1
  else
    record "$name" ok "$detail"
  fi
done <<<"$COUNT_LINES"
if [ "$VITEST_RC" -ne 0 ] && [ "$VITEST_FAILED" = 0 ]; then
  record vitest FAIL "vitest exited with status $VITEST_RC (124/137: over its time limit)"
fi

# ---- 4. deno -----------------------------------------------------------------------------------------
say "deno run --unstable-webgpu -A test/deno/run.ts"
if DENO=$(node scripts/find-deno.mjs); then
  (
    if [ -z "${VK_ICD_FILENAMES:-}" ] && [ -f "$SWIFTSHADER_ICD" ]; then export VK_ICD_FILENAMES=$SWIFTSHADER_ICD; fi
    run_limited 900 "$DENO" run --unstable-webgpu -A test/deno/run.ts ${WEBGRAD_DENO_FILTER:+"$WEBGRAD_DENO_FILTER"}
  ) 2>&1 | tee "$OUT/deno.log"
  DENO_RC=${PIPESTATUS[0]}
  tally deno "$OUT/deno.log" DENO_RESULT "$DENO_RC" ""
else
  record deno FAIL "no Deno binary: ran zero checks"
fi

# ---- 5. build and build check ------------------------------------------------------------------------
say "npm run build"
if run_limited 600 npm run build --silent; then
  record build ok "dist/"
else
  record build FAIL "npm run build failed (checking whatever it emitted anyway)"
fi
say "node test/build/check.mjs"
if [ -f dist/index.js ]; then
  run_limited 900 node test/build/check.mjs 2>&1 | tee "$OUT/build.log"
  BUILD_RC=${PIPESTATUS[0]}
  tally dist "$OUT/build.log" BUILD_RESULT "$BUILD_RC" " (node, chromium, deno)"
else
  record dist FAIL "dist/index.js was not built"
fi

# ---- 6. demo app end to end ---------------------------------------------------------------------------
say "node test/e2e/run.mjs (demo pages in headless Chromium)"
if [ -f dist/index.js ]; then
  run_limited 1200 node test/e2e/run.mjs 2>&1 | tee "$OUT/e2e.log"
  E2E_RC=${PIPESTATUS[0]}
  tally e2e "$OUT/e2e.log" E2E_RESULT "$E2E_RC" " (demo pages; screenshots in test/e2e/screenshots/)"
else
  record e2e FAIL "dist/index.js was not built"
fi

# ---- 7. bench smoke ----------------------------------------------------------------------------------
if [ -f bench/smoke.mjs ]; then
  say "node bench/smoke.mjs"
  if run_limited 900 node bench/smoke.mjs; then record bench ok "bench/smoke.mjs"; else record bench FAIL "bench/smoke.mjs failed (status $?)"; fi
else
  record bench skip "bench/smoke.mjs does not exist yet"
fi

finish
