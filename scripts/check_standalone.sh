#!/usr/bin/env bash
# Fails (exit 1, one line per hit) when a tracked file reaches outside the repository: a relative
# path up into the sibling folder "shared" (or that folder's api and fixtures subfolders), or an
# absolute path of one machine (under /work, /home, /root, /Users, /mnt or /srv). Temporary paths
# (under /tmp) and system paths (/usr, /etc) are not flagged. The patterns below are written so
# that this file does not match them itself.
#
#   scripts/check_standalone.sh [REPO_DIR]     # default: the repository holding this script
#
# Binary files are skipped. .ci/run runs it; tests/scripts/check_standalone_test.sh shows it
# failing on a bad file.
set -euo pipefail
repo=${1:-"$(dirname "$0")/.."}
cd "$repo"
# The character class before the absolute path keeps "a/work/b" and URLs' hosts out.
pattern='(\.\./)+shared/|(^|[^A-Za-z0-9_.~/-])shared/(api|fixtures)/'
pattern+='|(^|[^A-Za-z0-9_.~/-])/(work|home|root|Users|mnt|srv)/'
hits=$(git ls-files -z | xargs -0 -r grep -H -I -n -E "$pattern" -- 2>/dev/null || true)
if [ -n "$hits" ]; then
  echo "check_standalone: tracked files reach outside the repository:" >&2
  echo "$hits" >&2
  exit 1
fi
echo "check_standalone: ok ($(git ls-files | wc -l) tracked files)"
