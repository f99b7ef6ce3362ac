#!/usr/bin/env bash
# Runs clang-format 14 (Debian 12's, pinned: another version formats differently) in dry-run
# mode on every C++ file added or changed since the commit in scripts/format_base, and fails
# on any difference. Files nobody touched since are left as they were; touching one means
# formatting it. Fix a failure with: scripts/check_format.sh --fix
set -euo pipefail
cd "$(dirname "$0")/.."
tool=$(command -v clang-format-14 || command -v clang-format || true)
[ -n "$tool" ] || { echo "format: clang-format-14 is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
"$tool" --version | grep -q 'version 14\.' || { echo "format: $tool is not version 14" >&2; exit 1; }
base=$(cat scripts/format_base)
if ! git cat-file -e "$base^{commit}" 2>/dev/null; then
  echo "format: the base commit $base is not in this clone (a shallow clone?); checking every file"
  mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
else
  # A (added), M (modified) and R with changes; a pure rename (R100) keeps its old formatting.
  mapfile -t files < <(git diff --name-status -M "$base" HEAD -- '*.cpp' '*.hpp' |
    awk '$1=="A"||$1=="M"{print $2} $1~/^R/&&$1!="R100"{print $3}' | sort -u)
  mapfile -t -O "${#files[@]}" files < <(git diff --name-only HEAD -- '*.cpp' '*.hpp'; git ls-files --others --exclude-standard '*.cpp' '*.hpp')
fi
existing=()
for f in "${files[@]}"; do [ -f "$f" ] && existing+=("$f"); done
[ ${#existing[@]} -gt 0 ] || { echo "format: no changed C++ file"; exit 0; }
mapfile -t existing < <(printf '%s\n' "${existing[@]}" | sort -u)
if [ "${1:-}" = --fix ]; then
  "$tool" -i "${existing[@]}"
  echo "format: formatted ${#existing[@]} files"
  exit 0
fi
if "$tool" --dry-run --Werror "${existing[@]}" 2>/tmp/awsmp-format.log; then
  echo "format: ${#existing[@]} changed files are formatted"
else
  grep -E '^[^ ].*: (error|warning):' /tmp/awsmp-format.log | cut -d: -f1 | sort | uniq -c | sed 's/^/format: not formatted: /'
  echo "format: run scripts/check_format.sh --fix" >&2
  exit 1
fi
