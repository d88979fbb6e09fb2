#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Runs a Kafka command-line tool from the Maven-resolved jars:
#   infra/kafka-tool.sh <MainClass> [args...]
# The bin/kafka-* wrappers call this; the jars are installed on first use.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"
# shellcheck source=install.sh
source "$INFRA_DIR/install.sh"
# shellcheck source=kafka.sh
source "$INFRA_DIR/kafka.sh"

if [[ $# -lt 1 || "$1" == -h || "$1" == --help ]]; then
  echo "Usage: infra/kafka-tool.sh <MainClass> [args...]   e.g. org.apache.kafka.tools.TopicCommand --list ..." >&2
  exit 2
fi

require_java
if [[ ! -f "$KAFKA_LIBS/.installed" ]]; then
  # Progress messages go to stderr: tool output on stdout is often piped.
  ensure_local_dirs
  install_kafka_jars >&2
fi
kafka_tool_exec "$@"
