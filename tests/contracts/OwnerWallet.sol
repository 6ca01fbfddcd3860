// SPDX-License-Identifier: MIT OR Apache-2.0
// Test contracts for wallet sign-in: an ERC-1271 wallet whose owner signs with ECDSA, and a
// CREATE2 factory that deploys it (for ERC-6492 signatures of a wallet not deployed yet).
// Regenerate the bytecode with tests/contracts/build.sh.
pragma solidity 0.8.26;

contract OwnerWallet {
    address public immutable owner;

    constructor(address walletOwner) {
        owner = walletOwner;
    }

    /// ERC-1271: valid when the 65-byte signature of `hash` recovers to the owner.
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length != 65) {
            return 0xffffffff;
        }
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if (v < 27) {
            v += 27;
        }
        address recovered = ecrecover(hash, v, r, s);
        return recovered != address(0) && recovered == owner ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
    }
}

/// A wallet that reverts whatever it is asked (a revert is an invalid signature, not an outage).
contract RevertingWallet {
    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        revert("no");
    }
}

contract WalletFactory {
    function deploy(address walletOwner, bytes32 salt) external returns (address) {
        return address(new OwnerWallet{salt: salt}(walletOwner));
    }

    function addressOf(address walletOwner, bytes32 salt) external view returns (address) {
        bytes32 code = keccak256(abi.encodePacked(type(OwnerWallet).creationCode, abi.encode(walletOwner)));
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), salt, code)))));
    }
}
