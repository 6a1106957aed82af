#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer (cargo-fuzz) on the stable toolchain.
#
#   scripts/fuzz.sh                      list the targets
#   scripts/fuzz.sh TARGET [SECONDS]     fuzz TARGET for SECONDS (default 300)
#   scripts/fuzz.sh all [SECONDS]        each target in turn, SECONDS each
#   scripts/fuzz.sh TARGET FILE...       run TARGET once on each FILE (a crash to replay)
#   scripts/fuzz.sh cpu TARGET SECONDS   fuzz TARGET until its process has used SECONDS of
#                                        CPU time (on a shared machine, wall time is not)
#   scripts/fuzz.sh keep TARGET [N]      add to the saved corpus the (at most N, default 20,
#                                        each at most 1 KiB) work-corpus inputs that add the
#                                        most coverage to it
#
# Stable works because the sanitizer is off (`-s none`): cargo-fuzz then only passes stable
# codegen flags (`-Cpasses=sancov-module`, `-Cllvm-args=-sanitizer-coverage-*`), and the
# build is release with debug assertions and overflow checks (cargo-fuzz's default). No
# nightly, no RUSTC_BOOTSTRAP. Safe Rust needs no AddressSanitizer; what is looked for is
# panics (including overflow) and the invariants each target asserts.
#
# New inputs go to a work corpus outside the repository ($TESSERA_FUZZ_WORK, default
# ~/.cache/tessera-fuzz-corpus/TARGET); the saved corpus fuzz/corpus/TARGET is read, not
# written. Crashes land in fuzz/artifacts/TARGET/ (ignored by git). Builds go to their own
# target directory ($CARGO_TARGET_DIR, default ~/.cache/tessera-fuzz-target) so the main
# one is not disturbed. See docs/security.md ("Fuzzing").
set -euo pipefail
script=$(realpath "$0")
caller_dir=$PWD
cd "$(dirname "$script")/../fuzz"

targets=(wire_json sigv4 jwt list_users_filter hosted_form federation)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tessera-fuzz-target}"
work_root="${TESSERA_FUZZ_WORK:-$HOME/.cache/tessera-fuzz-corpus}"

if [[ $# -eq 0 ]]; then
    sed -n '2,10p' "$script" | sed 's/^# \{0,1\}//'
    printf 'targets: %s\n' "${targets[*]}"
    exit 0
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz (crates.io)" >&2
    cargo install cargo-fuzz --locked
fi

fuzz_one() {
    local target=$1 seconds=$2
    local work="$work_root/$target"
    mkdir -p "$work" "artifacts/$target"
    echo "== $target: ${seconds}s (work corpus $work)" >&2
    cargo fuzz run --sanitizer none "$target" "$work" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="artifacts/$target/"
}

# Greedy set cover over libFuzzer's per-input features (its merge control file): the saved
# corpus's features first, then repeatedly the small work input adding the most.
keep() {
    local target=$1 limit=$2
    local bin="$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release/$target"
    local scratch
    scratch=$(mktemp -d)
    mkdir "$scratch/out"
    cargo fuzz build --sanitizer none "$target"
    "$bin" -merge=1 -merge_control_file="$scratch/control" "$scratch/out" \
        "corpus/$target" "$work_root/$target" 2>/dev/null || true
    python3 - "$scratch/control" "corpus/$target" "$limit" <<'PY'
import hashlib, os, shutil, sys
control, saved, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = open(control).read().split("\n")
count = int(lines[0])
files = lines[2:2 + count]
features = {}
for line in lines[2 + count:]:
    parts = line.split()
    if parts and parts[0] == "FT":
        features[int(parts[1])] = set(parts[2:])
saved_dir = os.path.realpath(saved)
have = set()
candidates = []
for i, path in enumerate(files):
    if os.path.dirname(os.path.realpath(path)) == saved_dir:
        have |= features.get(i, set())
    elif os.path.getsize(path) <= 1024:
        candidates.append(i)
kept = 0
while kept < limit:
    best = max(candidates, key=lambda i: len(features.get(i, set()) - have), default=None)
    gain = len(features.get(best, set()) - have) if best is not None else 0
    if gain == 0:
        break
    data = open(files[best], "rb").read()
    name = hashlib.sha1(data).hexdigest()
    shutil.copyfile(files[best], os.path.join(saved, name))
    print(f"kept {name} ({len(data)} bytes, +{gain} features)")
    have |= features[best]
    candidates.remove(best)
    kept += 1
PY
    rm -rf "$scratch"
}

# Runs TARGET with no wall-clock limit and stops it (SIGINT: libFuzzer prints its final
# stats) once the fuzzer process has used SECONDS of CPU (user + system, from /proc).
fuzz_cpu() {
    local target=$1 seconds=$2
    cargo fuzz build --sanitizer none "$target"
    fuzz_one "$target" 1000000 &
    local runner=$! pid="" ticks
    ticks=$(getconf CLK_TCK)
    while kill -0 "$runner" 2>/dev/null; do
        sleep 10
        pid=${pid:-$(pgrep -f "release/$target .*-max_total_time" | head -n1 || true)}
        [[ -n $pid && -r /proc/$pid/stat ]] || continue
        local used
        used=$(awk -v t="$ticks" '{print int(($14 + $15) / t)}' "/proc/$pid/stat")
        if (( used >= seconds )); then
            echo "== $target: ${used}s of CPU used; stopping" >&2
            kill -INT "$pid"
            break
        fi
    done
    wait "$runner" || true
}

target=$1
shift
if [[ $target == cpu ]]; then
    fuzz_cpu "$1" "${2:-3600}"
    exit 0
fi
if [[ $target == keep ]]; then
    keep "$1" "${2:-20}"
    exit 0
fi
if [[ $target == all ]]; then
    for t in "${targets[@]}"; do
        fuzz_one "$t" "${1:-300}"
    done
    exit 0
fi
if [[ ! " ${targets[*]} " == *" $target "* ]]; then
    echo "unknown target $target (targets: ${targets[*]})" >&2
    exit 2
fi
if [[ $# -gt 0 && ! $1 =~ ^[0-9]+$ ]]; then
    files=()
    for f in "$@"; do files+=("$(cd "$caller_dir" && realpath -e "$f")"); done
    exec cargo fuzz run --sanitizer none "$target" "${files[@]}"
fi
fuzz_one "$target" "${1:-300}"
