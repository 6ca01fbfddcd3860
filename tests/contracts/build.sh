#!/bin/sh
# Compile the sign-in contracts with solc-js (npm) and write their bytecode as hex:
#   crates/auth-layer/src/signin/contracts/deployless_check.hex   creation code (product)
#   tests/contracts/{OwnerWallet,RevertingWallet,WalletFactory}.hex   creation code (tests)
# Run from anywhere: sh tests/contracts/build.sh  (needs node and npm; fetches solc 0.8.26)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --silent solc@0.8.26
compile() { # source, contract, output
    npx solcjs --bin --optimize --optimize-runs 200 -o "$work/out" "$1" >/dev/null
    base=$(basename "$1" .sol)
    file="${base}_sol_$2.bin"
    tr -d '\n' <"$work/out/$file" >"$3"
}
cp "$root/crates/auth-layer/src/signin/contracts/DeploylessSignatureCheck.sol" "$work/"
cp "$root/tests/contracts/OwnerWallet.sol" "$work/"
compile DeploylessSignatureCheck.sol DeploylessSignatureCheck \
    "$root/crates/auth-layer/src/signin/contracts/deployless_check.hex"
for c in OwnerWallet RevertingWallet WalletFactory; do
    compile OwnerWallet.sol "$c" "$root/tests/contracts/$c.hex"
done
echo "written: deployless_check.hex, OwnerWallet.hex, RevertingWallet.hex, WalletFactory.hex"
