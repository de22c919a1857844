#!/usr/bin/env bash
# The `style` test: the include graph must follow DESIGN.md section 3. A file may include only
# the project folders its module may depend on, and the pure Raft core may not touch threads,
# clocks, files or sockets. Prints every violation as file:line and exits 1 if there is any.
set -uo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"

violations=0
include_re='include[[:space:]]*[<"]([^">]+)[">]'
report() { echo "$1: $2"; violations=$((violations + 1)); }

# check_module DIR EXCLUDE_REGEX ALLOWED_PROJECT_PREFIXES_REGEX FORBIDDEN_SYSTEM_REGEX
check_module() {
  local dir=$1 exclude=$2 allowed=$3 forbidden=$4
  [ -d "$dir" ] || return 0
  while IFS= read -r file; do
    if [ -n "$exclude" ] && [[ $file =~ $exclude ]]; then continue; fi
    while IFS=: read -r line text; do
      [[ $text =~ $include_re ]] || continue
      local target=${BASH_REMATCH[1]}
      if [ -n "$forbidden" ] && [[ $target =~ $forbidden ]]; then
        report "$file:$line" "includes <$target> (forbidden in $dir)"
      elif [[ $target =~ ^(storage|raft|client|broker|tools|tests|bench|examples)/ ]]; then
        [[ $target =~ $allowed ]] || report "$file:$line" "includes $target (not allowed from $dir)"
      fi
    done < <(grep -nE '^[[:space:]]*#[[:space:]]*include' "$file")
  done < <(find "$dir" -type f \( -name '*.h' -o -name '*.cc' \) | sort)
}

check_module storage/base "" '^storage/base/' ''
check_module storage "^storage/base/" '^storage/' ''
# The Raft core: pure and deterministic.
check_module raft "^raft/(wire|durable)/" '^(storage/base|raft)/' \
  '^(asio|asio\.hpp|thread|mutex|condition_variable|future|chrono|random|fstream|filesystem|unistd\.h|fcntl\.h|sys/.*|netinet/.*|arpa/.*|ctime|time\.h)$|^storage/base/clock\.h$'
check_module raft/wire "" '^(storage/base|raft)/' ''
check_module raft/durable "" '^(storage|raft)/' ''
check_module client/protocol "" '^(storage/base|client/protocol)/' ''
check_module client "^client/protocol/" '^(storage/base|client)/' ''
check_module broker "" '^(storage|raft|client/protocol|broker)/' ''
# The broker's deterministic core: no sockets, threads or clocks, and nothing of the shell above it.
check_module broker/core "" '^(storage|raft|client/protocol|broker/core)/' \
  '^(asio|asio\.hpp|asio/.*|thread|mutex|condition_variable|future|chrono|unistd\.h|sys/.*|netinet/.*|arpa/.*|ctime|time\.h)$|^storage/base/clock\.h$'
check_module tools "" '^(storage|raft|client|tools)/' ''

if [ $violations -ne 0 ]; then
  echo "style: $violations layering violation(s); see ../shared/DESIGN.md section 3"
  exit 1
fi
echo "style: include graph follows the module layering"
