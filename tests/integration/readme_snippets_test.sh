#!/usr/bin/env bash
# The README's C++ snippets are taken from examples/, which ctest builds and runs: every line of
# every ```cpp block must occur in some examples/*.cpp (lines "..." and "// ..." mark elisions).
#   readme_snippets_test.sh SOURCE_DIR
set -euo pipefail
src=$1
trim() { sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//'; }
examples=$(cat "$src"/examples/*.cpp | trim)
snippets=$(awk '/^```cpp/ { inside = 1; next } /^```/ { inside = 0 } inside' "$src/README.md" | trim)
[[ -n $snippets ]] || { echo "FAIL: README.md has no \`\`\`cpp snippets" >&2; exit 1; }
missing=0
checked=0
while IFS= read -r line; do
  [[ -z $line || $line == "..." || $line == "// ..." ]] && continue
  checked=$((checked + 1))
  if ! grep -qxF -- "$line" <<<"$examples"; then
    echo "FAIL: README line not found in examples/: $line" >&2
    missing=$((missing + 1))
  fi
done <<<"$snippets"
((missing == 0)) || exit 1
echo "PASS: $checked README snippet lines all come from examples/"
