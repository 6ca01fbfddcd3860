// SPDX-License-Identifier: MIT OR Apache-2.0
// The deployless signature check of ERC-6492 ("Signature Validation for Predeploy Contracts"):
// sent as the data of an `eth_call` with no `to`, followed by abi.encode(signer, hash, signature),
// its constructor runs the ERC's verifier order and the call returns one byte, 0x01 (valid) or
// 0x00 (invalid). Nothing is deployed: an eth_call's state changes are discarded.
//
// Order (ERC-6492, "Verifier side"): a signature ending in the magic suffix wraps
// (factory, factoryCalldata, innerSignature); if the signer has no code the factory call deploys
// it; then ERC-1271 `isValidSignature` on the signer; if that fails while the signer already had
// code, the factory call is taken as a "prepare" call, made, and ERC-1271 asked again. Without
// the suffix: ERC-1271 when the signer has code, else ecrecover.
//
// Regenerate the creation code (deployless_check.hex) with tests/contracts/build.sh.
pragma solidity 0.8.26;

interface IERC1271 {
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4);
}

contract DeploylessSignatureCheck {
    bytes32 private constant SUFFIX = 0x6492649264926492649264926492649264926492649264926492649264926492;
    bytes4 private constant ERC1271_MAGIC = 0x1626ba7e;

    constructor(address signer, bytes32 hash, bytes memory signature) {
        bool valid = check(signer, hash, signature);
        assembly {
            mstore(0, valid)
            return(31, 1)
        }
    }

    function check(address signer, bytes32 hash, bytes memory signature) private returns (bool) {
        uint256 len = signature.length;
        bool wrapped = len >= 32 && tail(signature) == SUFFIX;
        if (!wrapped) {
            if (signer.code.length > 0) {
                return erc1271(signer, hash, signature);
            }
            return recovers(signer, hash, signature);
        }
        (address factory, bytes memory factoryCalldata, bytes memory inner) =
            abi.decode(head(signature, len - 32), (address, bytes, bytes));
        bool hadCode = signer.code.length > 0;
        if (!hadCode) {
            (bool deployed,) = factory.call(factoryCalldata);
            if (!deployed || signer.code.length == 0) {
                return false;
            }
        }
        if (erc1271(signer, hash, inner)) {
            return true;
        }
        if (hadCode) {
            (bool prepared,) = factory.call(factoryCalldata);
            return prepared && erc1271(signer, hash, inner);
        }
        return false;
    }

    function erc1271(address signer, bytes32 hash, bytes memory signature) private view returns (bool) {
        try IERC1271(signer).isValidSignature(hash, signature) returns (bytes4 magic) {
            return magic == ERC1271_MAGIC;
        } catch {
            return false;
        }
    }

    function recovers(address signer, bytes32 hash, bytes memory signature) private pure returns (bool) {
        if (signature.length != 65) {
            return false;
        }
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly {
            r := mload(add(signature, 32))
            s := mload(add(signature, 64))
            v := byte(0, mload(add(signature, 96)))
        }
        if (v < 27) {
            v += 27;
        }
        if (v != 27 && v != 28) {
            return false;
        }
        address recovered = ecrecover(hash, v, r, s);
        return recovered != address(0) && recovered == signer;
    }

    function tail(bytes memory data) private pure returns (bytes32 word) {
        uint256 len = data.length;
        assembly {
            word := mload(add(data, len))
        }
    }

    function head(bytes memory data, uint256 len) private pure returns (bytes memory out) {
        out = new bytes(len);
        for (uint256 i = 0; i < len; i++) {
            out[i] = data[i];
        }
    }
}
