#!/bin/sh
# Run fuzz targets one after the other (niced, one libFuzzer process each), starting from the
# committed seeds, and print libFuzzer's final statistics for each.
#
#   fuzz/run-all.sh [RUNS] [TARGET...]      defaults: 10000000 runs, every target
#   FUZZ_FLAGS='-max_total_time=600' fuzz/run-all.sh 0 claims_verify   # extra libFuzzer flags
#   SANITIZER=address fuzz/run-all.sh 1000000                          # ASan build (default: none)
#
# The corpus grows in fuzz/corpus/<target>/ (not committed), each run's log is
# fuzz/logs/<target>.log, and a crash lands in fuzz/artifacts/<target>/.
#
# config_toml builds a JWKS cache, hence a reqwest client, for every configuration that parses, and
# building one loads the system's root certificates (rustls-native-certs: SSL_CERT_FILE and
# SSL_CERT_DIR, else the platform store; hundreds of PEM files). For that target the script points
# SSL_CERT_FILE at a one-certificate copy of the bundle and SSL_CERT_DIR at an empty directory: the
# library runs the same code, with a store of one certificate.
# KEEP_CERT_STORE=1 keeps the environment as it is.
set -eu
cd "$(dirname "$0")"
runs=${1:-10000000}
[ $# -gt 0 ] && shift
targets=${*:-token_parse jwks_parse service_headers claims_verify config_toml siwe_message siws_message provider_schemes}
export RUSTC_BOOTSTRAP=1
mkdir -p logs
for t in $targets; do
    mkdir -p "corpus/$t"
    rm -f fuzz-0.log
    start=$(date +%s)
    status=0
    set --
    bundle=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
    if [ "$t" = config_toml ] && [ -z "${KEEP_CERT_STORE:-}" ] && [ -f "$bundle" ]; then
        mkdir -p logs/no-certs
        sed -n '1,/-----END CERTIFICATE-----/p' "$bundle" >logs/one-cert.pem
        # An empty SSL_CERT_DIR rather than none: cargo sets a missing one to the system's.
        set -- env SSL_CERT_DIR="$PWD/logs/no-certs" SSL_CERT_FILE="$PWD/logs/one-cert.pem"
    fi
    # shellcheck disable=SC2086 # FUZZ_FLAGS is a list of flags
    "$@" nice -n 19 cargo fuzz run -s "${SANITIZER:-none}" "$t" "corpus/$t" "seeds/$t" -- \
        -runs="$runs" -max_len=20000 -jobs=1 -workers=1 -print_final_stats=1 \
        ${FUZZ_FLAGS:-} >"logs/$t.out" 2>&1 || status=$?
    # With -jobs, libFuzzer writes the fuzzing process's output to fuzz-<job>.log.
    [ -f fuzz-0.log ] && mv fuzz-0.log "logs/$t.log"
    echo "== $t: exit $status, $(($(date +%s) - start)) s wall clock"
    grep -h -E '^(Done|stat::)|panicked|ERROR|artifact' "logs/$t.log" "logs/$t.out" \
        2>/dev/null || true
done
