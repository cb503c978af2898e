// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EzklVkaVerifierAdapter} from "./EzklVkaVerifierAdapter.sol";
import {IProofVerifier} from "./IProofVerifier.sol";
import {IHalo2VerifierReusableDeferred} from "./ezkl/IHalo2Verifiers.sol";

/// @title EzklAggregatingVerifierAdapter
/// @notice Accepts the proofs of several requests, of any models, with one pairing check. EZKL's Halo2/KZG
/// verification ends in one pairing check e(lhs, G2) * e(rhs, sG2) == 1 whose two G1 points the rest of the
/// verification computes from the proof, the instances and the VKA. `verifyAggregate` runs that rest for
/// every proof (through `Halo2VerifierReusableDeferred`, EZKL's reusable verifier with the final pairing
/// returned instead of performed), then checks all of them at once:
/// e(sum c_i lhs_i, G2) * e(sum c_i rhs_i, sG2) == 1 with c_0 = 1, c_i = r^i and r a hash of every proof's
/// key, instances and pairing points (fixed before r is drawn, so a wrong proof passes only if its error
/// cancels with a combination the prover cannot choose: probability ~ n / 2^254). Every VKA on this network
/// carries the canonical SRS (the inner adapter refuses others), so one G2 pair serves all models.
/// An accepted statement (key, instances) is recorded; the market's usual `fulfil`/`fulfilBatch` then
/// settles each request with an empty proof, `verify` answering from the record, and binds the instances to
/// the request, its model and its input exactly as for a single proof. A non-empty proof is verified alone
/// by the inner adapter, so a model registered with this adapter can always be fulfilled without aggregation.
/// Keys, their approval and revocation are the inner adapter's: a revoked key stops verifying here too,
/// recorded statements included.
contract EzklAggregatingVerifierAdapter is IProofVerifier {
    /// @notice BN254 scalar field order (the transcript's challenges live in it).
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice Most proofs in one aggregate (calldata and gas bound: 16 fit in a 30M-gas block with room).
    uint256 public constant MAX_AGGREGATE = 32;

    /// @notice The VKA adapter whose keys, approvals and canonical SRS this adapter uses.
    EzklVkaVerifierAdapter public immutable INNER;
    /// @notice EZKL's reusable verifier with the final pairing deferred to the caller.
    IHalo2VerifierReusableDeferred public immutable DEFERRED;

    // The canonical SRS's two G2 points (VKA words 16..19 and 20..23, in the precompile's order).
    uint256 private immutable G2_X1;
    uint256 private immutable G2_X2;
    uint256 private immutable G2_Y1;
    uint256 private immutable G2_Y2;
    uint256 private immutable S_G2_X1;
    uint256 private immutable S_G2_X2;
    uint256 private immutable S_G2_Y1;
    uint256 private immutable S_G2_Y2;

    /// @dev keccak256(abi.encode(key, instances)) of every statement an aggregate accepted.
    mapping(bytes32 statement => bool) private _accepted;
    /// @dev VKAs already registered with the deferred verifier.
    mapping(bytes32 key => bool) private _deferredKnown;

    /// @notice An aggregate of `count` proofs passed; each (key, instances) in `statements` is now accepted.
    event AggregateVerified(
        bytes32 indexed aggregateId, address indexed submitter, uint256 count, bytes32[] keys, bytes32[] statements
    );

    /// @notice No proofs, or more than MAX_AGGREGATE.
    error AggregateSize(uint256 count);
    /// @notice keys, proofs and instances differ in length.
    error AggregateLengthMismatch(uint256 keys, uint256 proofs, uint256 instances);
    /// @notice Proof `index` names a key the inner adapter does not accept (unknown, unapproved, revoked).
    error AggregateKeyNotAccepted(uint256 index, bytes32 key);
    /// @notice Proof `index` failed a check of its own (transcript, evaluations, shape).
    error AggregateInnerProofInvalid(uint256 index, bytes32 key);
    /// @notice The combined pairing check failed: at least one proof is invalid.
    error AggregatePairingFailed(bytes32 aggregateId);
    /// @notice An elliptic-curve precompile refused its input.
    error AggregateCurveOperationFailed();
    /// @notice The deferred verifier filed a VKA under another digest than its key.
    error AggregateVkaDigestMismatch(bytes32 expected, bytes32 actual);
    /// @notice The inner adapter's canonical SRS is not the expected ten words.
    error AggregateSrsLength(uint256 words);

    constructor(EzklVkaVerifierAdapter inner, IHalo2VerifierReusableDeferred deferred) {
        INNER = inner;
        DEFERRED = deferred;
        bytes32[] memory srs = inner.canonicalSrs();
        if (srs.length != 10) revert AggregateSrsLength(srs.length);
        // Words 0..1: the G1 generator; 2..5: the G2 point paired with lhs; 6..9: the one paired with rhs.
        (G2_X1, G2_X2, G2_Y1, G2_Y2) = (uint256(srs[2]), uint256(srs[3]), uint256(srs[4]), uint256(srs[5]));
        (S_G2_X1, S_G2_X2, S_G2_Y1, S_G2_Y2) = (uint256(srs[6]), uint256(srs[7]), uint256(srs[8]), uint256(srs[9]));
    }

    // ---------------------------------------------------------------- aggregation

    /// @notice Verifies `proofs[i]` for `keys[i]` and `instances[i]`, all with one pairing check, and records
    /// each statement as accepted. Anyone may call it (it only records true statements); reverts if any proof
    /// fails, recording nothing.
    /// @return statements keccak256(abi.encode(keys[i], instances[i])) for each proof.
    function verifyAggregate(bytes32[] calldata keys, bytes[] calldata proofs, uint256[][] calldata instances)
        external
        returns (bytes32[] memory statements)
    {
        uint256 n = keys.length;
        if (n == 0 || n > MAX_AGGREGATE) revert AggregateSize(n);
        if (proofs.length != n || instances.length != n) {
            revert AggregateLengthMismatch(n, proofs.length, instances.length);
        }
        statements = new bytes32[](n);
        uint256[4][] memory points = new uint256[4][](n);
        for (uint256 i; i < n; ++i) {
            points[i] = _deferredPoints(i, keys[i], proofs[i], instances[i]);
            statements[i] = statementOf(keys[i], instances[i]);
        }
        bytes32 aggregateId = keccak256(abi.encode(statements, points));
        if (!_combinedPairing(points, uint256(aggregateId) % R)) revert AggregatePairingFailed(aggregateId);

        for (uint256 i; i < n; ++i) {
            _accepted[statements[i]] = true;
        }
        emit AggregateVerified(aggregateId, msg.sender, n, keys, statements);
    }

    /// @notice Registers an accepted key's VKA with the deferred verifier (once per key; `verifyAggregate`
    /// does it itself on first use, this lets an operator pay for it outside an aggregate).
    function prepareKey(bytes32 key) external {
        if (!INNER.isKeyAccepted(key)) revert AggregateKeyNotAccepted(0, key);
        if (!_deferredKnown[key]) _registerDeferred(key, INNER.vka(key));
    }

    /// @notice The statement id of (key, instances): what an aggregate records and `verify` looks up.
    function statementOf(bytes32 key, uint256[] calldata instances) public pure returns (bytes32) {
        return keccak256(abi.encode(key, instances));
    }

    /// @notice Whether an aggregate accepted (key, instances) and the key is still accepted.
    function isAccepted(bytes32 key, uint256[] calldata instances) external view returns (bool) {
        return _accepted[statementOf(key, instances)] && INNER.isKeyAccepted(key);
    }

    // ---------------------------------------------------------------- IProofVerifier

    /// @inheritdoc IProofVerifier
    function isKeyAccepted(bytes32 key) external view returns (bool) {
        return INNER.isKeyAccepted(key);
    }

    /// @inheritdoc IProofVerifier
    function instanceCount(bytes32 key) external view returns (uint256) {
        return INNER.instanceCount(key);
    }

    /// @inheritdoc IProofVerifier
    /// @dev An empty proof means "accepted by an aggregate": true only for a recorded statement whose key the
    /// inner adapter still accepts. A non-empty proof is verified alone by the inner adapter.
    function verify(bytes32 key, bytes calldata proof, uint256[] calldata instances) external view returns (bool) {
        if (proof.length == 0) return _accepted[statementOf(key, instances)] && INNER.isKeyAccepted(key);
        return INNER.verify(key, proof, instances);
    }

    // ---------------------------------------------------------------- internals

    /// @dev Runs every check of proof `index` but the pairing, returning the pairing's two G1 points.
    function _deferredPoints(uint256 index, bytes32 key, bytes calldata proof, uint256[] calldata inst)
        private
        returns (uint256[4] memory p)
    {
        if (!INNER.isKeyAccepted(key)) revert AggregateKeyNotAccepted(index, key);
        bytes32[] memory words = INNER.vka(key); // keccak256(words) == key, by the inner adapter's construction
        if (!_deferredKnown[key]) _registerDeferred(key, words);
        (bool ok, bytes memory ret) = address(DEFERRED)
            .staticcall(abi.encodeCall(IHalo2VerifierReusableDeferred.verifyProofDeferred, (proof, inst, words)));
        if (!ok || ret.length != 0xa0) revert AggregateInnerProofInvalid(index, key);
        uint256 success;
        (success, p[0], p[1], p[2], p[3]) = abi.decode(ret, (uint256, uint256, uint256, uint256, uint256));
        if (success != 1) revert AggregateInnerProofInvalid(index, key);
    }

    /// @dev Registers a VKA with the deferred verifier, which must file it under the same digest.
    function _registerDeferred(bytes32 key, bytes32[] memory words) private {
        _deferredKnown[key] = true;
        bytes32 registered = DEFERRED.registerVka(words);
        if (registered != key) revert AggregateVkaDigestMismatch(key, registered);
    }

    /// @dev e(sum c_i lhs_i, G2) * e(sum c_i rhs_i, sG2) == 1 with c_0 = 1 and c_i = r^i.
    function _combinedPairing(uint256[4][] memory points, uint256 r) private view returns (bool) {
        (uint256 lx, uint256 ly, uint256 rx, uint256 ry) = (points[0][0], points[0][1], points[0][2], points[0][3]);
        uint256 c = 1;
        for (uint256 i = 1; i < points.length; ++i) {
            c = mulmod(c, r, R);
            (uint256 x, uint256 y) = _ecMul(points[i][0], points[i][1], c);
            (lx, ly) = _ecAdd(lx, ly, x, y);
            (x, y) = _ecMul(points[i][2], points[i][3], c);
            (rx, ry) = _ecAdd(rx, ry, x, y);
        }
        uint256[12] memory input = [lx, ly, G2_X1, G2_X2, G2_Y1, G2_Y2, rx, ry, S_G2_X1, S_G2_X2, S_G2_Y1, S_G2_Y2];
        uint256[1] memory out;
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x08, input, 0x180, out, 0x20)
        }
        if (!ok) revert AggregateCurveOperationFailed();
        return out[0] == 1;
    }

    function _ecMul(uint256 x, uint256 y, uint256 s) private view returns (uint256 ox, uint256 oy) {
        uint256[3] memory input = [x, y, s];
        uint256[2] memory out;
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x07, input, 0x60, out, 0x40)
        }
        if (!ok) revert AggregateCurveOperationFailed();
        (ox, oy) = (out[0], out[1]);
    }

    function _ecAdd(uint256 ax, uint256 ay, uint256 bx, uint256 by) private view returns (uint256 ox, uint256 oy) {
        uint256[4] memory input = [ax, ay, bx, by];
        uint256[2] memory out;
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x06, input, 0x80, out, 0x40)
        }
        if (!ok) revert AggregateCurveOperationFailed();
        (ox, oy) = (out[0], out[1]);
    }
}
