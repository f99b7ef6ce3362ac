#!/usr/bin/env bash
# Re-runs every test of the fault matrix (docs/fault_matrix.md) N times, each run with its own
# seed (AWSMP_FAULT_SEED for integration_faults; the other suites draw their own randomness),
# and prints "runs passed failed seconds" per test case: the numbers that go into the table.
#
#   scripts/fault_matrix.sh [build-dir] [runs]     (defaults: build/release, 5)
#
# The build directory must already hold the test executables (ninja integration_faults
# integration_billing integration_clients integration_transport integration_testing unit_billing
# integration_security integration_state); a missing one is reported as SKIPPED.
set -u
build=${1:-build/release}
runs=${2:-5}
cd "$(dirname "$0")/.."
[ -d "$build" ] || { echo "no build directory $build" >&2; exit 2; }

find_exe() { find "$build" -type f -perm -u+x -name "$1" | head -n 1; }

total_failed=0
run_case() {  # executable test-case-path
  local exe path passed=0 failed=0 start end
  exe=$(find_exe "$1")
  path=$2
  if [ -z "$exe" ]; then
    printf '%-100s SKIPPED (%s not built)\n' "$1 $path" "$1"
    return
  fi
  start=$(date +%s)
  for seed in $(seq 1 "$runs"); do
    if AWSMP_FAULT_SEED=$seed "$exe" --run_test="$path" --log_level=nothing --report_level=no >/dev/null 2>&1; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "  FAILED: $1 $path seed $seed" >&2
    fi
  done
  end=$(date +%s)
  total_failed=$((total_failed + failed))
  printf '%-100s runs %d passed %d failed %d (%ds)\n' "$1 $path" "$runs" "$passed" "$failed" $((end - start))
}

# New end-to-end fault tests (tests/integration/faults).
run_case integration_faults fault_matrix_connections/dropped_connections_before_and_after_commit_over_many_rounds
run_case integration_faults fault_matrix_connections/random_drops_with_concurrent_batches
run_case integration_faults fault_matrix_connections/timeouts_then_recovery_bill_exactly_once
run_case integration_faults fault_matrix_endpoints/an_unresolvable_host_fails_fast_and_a_good_endpoint_bills_once
run_case integration_faults fault_matrix_endpoints/an_unknown_ca_fails_without_retries_and_a_good_endpoint_bills_once
run_case integration_faults fault_matrix_endpoints/a_certificate_for_another_host_fails_without_retries_and_the_right_name_bills_once
run_case integration_faults fault_matrix_disk/a_full_disk_fails_record_usage_and_the_replay_holds_exactly_the_completed_calls
run_case integration_faults fault_matrix_clock/clock_jumps_back_and_forth_never_duplicate_and_every_token_is_accounted_for

# Existing tests the matrix cites.
run_case integration_billing billing_e2e_suite/exactly_once_under_throttling_errors_drops_and_unprocessed_records
run_case integration_billing kill_9_at_random_moments_loses_and_duplicates_nothing
run_case integration_clients emulator_clients/injected_throttling_and_server_errors_are_retried
run_case integration_clients emulator_clients/dropped_connections_are_retried_without_double_billing
run_case integration_clients emulator_clients/random_faults_over_many_calls_lose_nothing
run_case integration_clients emulator_clients/a_wrong_ca_fails_once_without_retries
run_case integration_transport service_client_suite/service_unavailable_twice_then_success_is_retried
run_case integration_transport service_client_suite/throttling_beyond_max_attempts_surfaces_the_aws_error
run_case integration_transport service_client_suite/timeouts_are_retried_and_bounded
run_case integration_transport http_client_suite/slowloris_times_out_at_the_deadline
run_case integration_transport http_client_suite/connect_refused_is_reported
run_case integration_transport http_client_suite/stale_connection_is_retried_once_on_a_new_one
run_case integration_transport http_client_tls_suite/tls_with_a_wrong_ca_fails_verification
run_case integration_transport http_client_tls_suite/tls_with_a_wrong_host_name_fails_verification
run_case integration_testing emulator_faults/a_drop_after_commit_keeps_the_records_and_the_resend_is_idempotent
run_case unit_billing billing_tracker/every_failure_step_keeps_usage_pending_and_nothing_is_lost
run_case unit_billing billing_tracker/never_two_records_for_a_customer_in_one_hour
run_case unit_billing billing_journal_format/every_torn_tail_is_cut_to_the_last_good_frame
run_case unit_billing billing_journal_format/damage_in_the_middle_is_an_error_never_an_empty_ledger
run_case integration_state sqlite_durability/acknowledged_writes_survive_kill_9_of_the_writer
run_case integration_security security_tls/untrusted_certificate_is_refused_before_sending
run_case integration_security security_tls/certificate_for_another_host_is_refused

[ "$total_failed" -eq 0 ]
