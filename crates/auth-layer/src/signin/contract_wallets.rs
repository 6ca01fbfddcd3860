//! Ethereum signatures in ERC-6492's order, asking the message's chain when an RPC is
//! configured for it: a 6492-wrapped signature → one deployless `eth_call`; code at the address
//! → EIP-1271 `isValidSignature`; otherwise (or without an RPC for the chain) `ecrecover`.
//!
//! ERC-6492: "ecrecover MUST NOT happen before ERC-1271 verification" — a contract wallet whose
//! owner's key signed would otherwise pass as the owner's account.

use std::collections::HashMap;
use std::sync::Arc;

use signin_core::contract_signature::{
    deployless_call_data, deployless_says_valid, erc1271_says_valid, is_erc6492,
    is_valid_signature_call_data,
};
use signin_core::{SigninError, eip191_hash, recover_eip191};

use super::chain_rpc::{CallOutcome, ChainRpc, RpcError};

/// The deployless ERC-6492 check's creation code (`contracts/DeploylessSignatureCheck.sol`,
/// compiled by `tests/contracts/build.sh`).
const DEPLOYLESS_CHECK_HEX: &str = include_str!("contracts/deployless_check.hex");

/// The RPCs of the chains contract wallets are checked on.
#[derive(Debug, Clone, Default)]
pub struct ContractWallets {
    rpcs: HashMap<u64, Arc<dyn ChainRpc>>,
    deployless_check: Arc<Vec<u8>>,
}

/// Why an Ethereum signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EvmRefusal {
    /// Not a valid signature by this account (401).
    Invalid(SigninError),
    /// The chain could not be asked (503).
    Unavailable(RpcError),
}

impl ContractWallets {
    /// Contract wallets checked through `rpcs` (by chain id).
    pub fn new(rpcs: HashMap<u64, Arc<dyn ChainRpc>>) -> Self {
        let code = DEPLOYLESS_CHECK_HEX.trim();
        let deployless_check = (0..code.len())
            .step_by(2)
            .filter_map(|i| {
                code.get(i..i + 2)
                    .and_then(|d| u8::from_str_radix(d, 16).ok())
            })
            .collect();
        ContractWallets {
            rpcs,
            deployless_check: Arc::new(deployless_check),
        }
    }

    /// The RPCs by chain id.
    pub fn rpcs(&self) -> &HashMap<u64, Arc<dyn ChainRpc>> {
        &self.rpcs
    }

    /// Check `signature` of `message` (the exact bytes received) by `address` on `chain`.
    pub async fn verify(
        &self,
        chain: u64,
        address: &[u8; 20],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), EvmRefusal> {
        let Some(rpc) = self.rpcs.get(&chain) else {
            return ecrecover(address, message, signature, false);
        };
        let hash = eip191_hash(message);
        let unavailable = EvmRefusal::Unavailable;
        let answer = if is_erc6492(signature) {
            let data = deployless_call_data(&self.deployless_check, address, &hash, signature);
            match rpc.call(None, &data).await.map_err(unavailable)? {
                CallOutcome::Returned(bytes) => deployless_says_valid(&bytes),
                CallOutcome::Reverted => false,
            }
        } else if rpc.has_code(address).await.map_err(unavailable)? {
            let data = is_valid_signature_call_data(&hash, signature);
            match rpc.call(Some(address), &data).await.map_err(unavailable)? {
                CallOutcome::Returned(bytes) => erc1271_says_valid(&bytes),
                CallOutcome::Reverted => false,
            }
        } else {
            return ecrecover(address, message, signature, true);
        };
        if answer {
            Ok(())
        } else {
            Err(EvmRefusal::Invalid(SigninError::BadSignature(
                "the contract wallet does not accept this signature".into(),
            )))
        }
    }
}

/// A plain account's signature: recovery must give `address`.
fn ecrecover(
    address: &[u8; 20],
    message: &[u8],
    signature: &[u8],
    chain_asked: bool,
) -> Result<(), EvmRefusal> {
    let recovered =
        recover_eip191(message, signature).map_err(|e| EvmRefusal::Invalid(e.into()))?;
    if recovered == *address {
        return Ok(());
    }
    let why = if chain_asked {
        "signed by another account"
    } else {
        "signed by another account (a contract wallet needs an RPC for its chain)"
    };
    Err(EvmRefusal::Invalid(SigninError::BadSignature(why.into())))
}
