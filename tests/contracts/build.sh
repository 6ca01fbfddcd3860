#!/bin/sh
# Compile the sign-in contracts with solc-js (npm solc 0.8.26, optimizer 200 runs, EVM "paris":
# no PUSH0, so the code runs on chains that have not adopted Shanghai) and write their creation
# code as hex:
#   crates/auth-layer/src/signin/contracts/deployless_check.hex   (product: ERC-6492 check)
#   tests/contracts/{OwnerWallet,RevertingWallet,WalletFactory}.hex   (tests)
# Run from anywhere: sh tests/contracts/build.sh  (needs node and npm)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --silent solc@0.8.26
cat >compile.cjs <<'JS'
const fs = require("fs");
const solc = require("solc");
const [source, out] = process.argv.slice(2);
const input = {
  language: "Solidity",
  sources: { [source]: { content: fs.readFileSync(source, "utf8") } },
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "paris",
    outputSelection: { "*": { "*": ["evm.bytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length) { console.error(errors.map((e) => e.formattedMessage).join("\n")); process.exit(1); }
for (const [name, contract] of Object.entries(output.contracts[source])) {
  const code = contract.evm.bytecode.object;
  if (code) fs.writeFileSync(`${out}/${name}.hex`, code);
}
JS
mkdir -p out
cp "$root/crates/auth-layer/src/signin/contracts/DeploylessSignatureCheck.sol" .
cp "$root/tests/contracts/OwnerWallet.sol" .
node compile.cjs DeploylessSignatureCheck.sol out
node compile.cjs OwnerWallet.sol out
cp out/DeploylessSignatureCheck.hex "$root/crates/auth-layer/src/signin/contracts/deployless_check.hex"
for c in OwnerWallet RevertingWallet WalletFactory; do
    cp "out/$c.hex" "$root/tests/contracts/$c.hex"
done
echo "written: deployless_check.hex, OwnerWallet.hex, RevertingWallet.hex, WalletFactory.hex (EVM paris)"
