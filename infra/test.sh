#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The test command (`npm test`): installs what is missing, starts the local Kafka, Redis and PostgreSQL
# if they are not running (and stops them again afterwards if it started them), then runs the format and
# lint check, the type check, the dead-code check and every test under test/ against the real stack (with
# a coverage floor on src/), in a database of its own (`promotion_test`, unless DATABASE_URL is set).
#   bash infra/test.sh [node --test arguments, e.g. a file or --test-name-pattern=...]
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=postgres.sh
source "$INFRA_DIR/postgres.sh"
cd "$ROOT_DIR"

bash infra/stack.sh install
stack_hold

# The tests read the same variables as the services: src/config.ts derives KAFKA_BROKERS, REDIS_URL and
# DATABASE_URL from the LOCAL_*_PORT overrides unless they are set (external). The database is the local
# server's test database (pg_use_test_database), never the developer's.
pg_use_test_database
export PATH="$ROOT_DIR/node_modules/.bin:$PATH"
log test "node $(node --version)"
log test "format + lint (biome)"
biome ci .
log test "type check (tsc)"
tsc -p tsconfig.json
log test "dead code: unused files, exports and dependencies (knip)"
knip
log test "tests"
if (($# > 0)); then
  node --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout="${TEST_TIMEOUT_MS:-300000}" "$@"
else
  # Every test file except the fault suites, which need stacks of their own (npm run test:chaos,
  # npm run test:cluster).
  mapfile -t files < <(find test -name '*.test.ts' -not -path 'test/chaos/*' -not -path 'test/cluster/*' | sort)
  # Coverage of src/ (Node's own, V8) with a floor: the run fails when lines or branches fall below it.
  # The floor is the figure measured when it was set (docs/infra.md, "Tests"); raise it, never lower it.
  node --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout="${TEST_TIMEOUT_MS:-300000}" \
    --experimental-test-coverage --test-coverage-include='src/**' \
    --test-coverage-lines="${COVERAGE_MIN_LINES:-96}" --test-coverage-branches="${COVERAGE_MIN_BRANCHES:-90}" \
    "${files[@]}"
fi
