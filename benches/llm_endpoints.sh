#!/usr/bin/env bash
# Four mock LLM endpoints with fixed latencies 20/40/80/160 ms (max_in_flight 8 each): the
# share of the sum of their Little's-law limits that least-outstanding routing reaches, a
# one-endpoint baseline with the same limit measured in the same run, and a run with the
# fastest endpoint killed mid-way (decisions lost must be 0). Writes
# benches/results/llm_endpoints.json; see benches/README.md, "LLM agents over many endpoints".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo bench -p emergent-llm --bench endpoints
