#!/usr/bin/env node
// Derives `Halo2VerifierReusableDeferred` from EZKL's generated `Halo2VerifierReusable` (ezkl 23,
// create_evm_verifier(reusable=True)): the same verifier, every check the same, except that the final
// pairing check is not performed but its two G1 inputs are returned, so that several proofs (of any
// models on the same SRS) can be checked with one pairing by `EzklAggregatingVerifierAdapter`
// (docs/decisions/0011). The derivation is a handful of anchored text replacements; each anchor must match
// exactly once, so a new EZKL template fails here loudly instead of producing a wrong verifier.
//
//   node scripts/derive-deferred-verifier.mjs           write src/verifiers/ezkl/generated/Halo2VerifierReusableDeferred.sol
//   node scripts/derive-deferred-verifier.mjs --check   fail if the committed file differs from a fresh derivation
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const generatedDir = path.join(root, "src/verifiers/ezkl/generated");
const sourcePath = path.join(generatedDir, "Halo2VerifierReusable.sol");
const targetPath = path.join(generatedDir, "Halo2VerifierReusableDeferred.sol");

/** One anchored replacement: `from` must occur exactly once in the source. */
const REPLACEMENTS = [
  {
    what: "contract name",
    from: "contract Halo2VerifierReusable { ",
    to: "contract Halo2VerifierReusableDeferred { ",
  },
  {
    what: "the entry point's documentation",
    from: / {5}\* @dev Verifies a proof against the provided public inputs[\s\S]*?\n {5}\*\/\n {4}function verifyProof\(/,
    to: [
      "     * @dev Runs every check of verifyProof except the final pairing, and returns that pairing's two G1 inputs:",
      "     *      the proof is valid only if e(lhs, G2 at 0x02a0) * e(rhs, G2 at 0x0320) == 1, which the caller checks",
      "     *      (batched with other proofs'). Reverts if any other check fails.",
      "     *",
      "     * @param proof The proof data provided as calldata.",
      "     * @param instances The public inputs (instances) provided as calldata.",
      "     * @param vka The verification key artifact provided as memory.",
      "     *",
      "     * @return success True (the call reverts otherwise).",
      "     * @return lhs_x The pairing's left G1 point, x.",
      "     * @return lhs_y The pairing's left G1 point, y.",
      "     * @return rhs_x The pairing's right G1 point, x.",
      "     * @return rhs_y The pairing's right G1 point, y.",
      "     */",
      "    function verifyProof(",
    ].join("\n"),
  },
  {
    what: "external entry point: name and return values (the pairing inputs instead of the rescaled instances)",
    from: [
      "    function verifyProof(",
      "        bytes calldata proof,",
      "        uint256[] calldata instances,",
      "        bytes32[] memory vka",
      "    ) external returns (bool success, bytes32 vka_digest, int256[] memory rescaled_instances) {",
    ].join("\n"),
    to: [
      "    function verifyProofDeferred(",
      "        bytes calldata proof,",
      "        uint256[] calldata instances,",
      "        bytes32[] memory vka",
      "    ) external returns (bool success, uint256 lhs_x, uint256 lhs_y, uint256 rhs_x, uint256 rhs_y) {",
      "        bytes32 vka_digest;",
    ].join("\n"),
  },
  {
    what: "the rescaling after verification (the deferred call returns from inside _verifyProof)",
    from: / {8}success = _verifyProof\(proof, instances, vka\);\n {8}assembly \{\n {12}\/\/ Perform the rescaling of the instances\n[\s\S]*?\n {4}\}\n\n {4}function _verifyProof\(/,
    to: [
      "        success = _verifyProof(proof, instances, vka);",
      "        // Not reached: _verifyProof returns (1, lhs_x, lhs_y, rhs_x, rhs_y) itself or reverts.",
      "    }",
      "",
      "    function _verifyProof(",
    ].join("\n"),
  },
  {
    what: "the final pairing check, replaced by returning its inputs",
    from: [
      "            // Perform pairing",
      "            success := ec_pairing(",
      "                success,",
      "                vka_end,",
      "                mload(add(theta_mptr, 0x2c0)),",
      "                mload(add(theta_mptr, 0x2e0)),",
      "                mload(add(theta_mptr, 0x300)),",
      "                mload(add(theta_mptr, 0x320))",
      "            )",
      "",
      "            // Revert if anything fails",
      "            if iszero(success) {",
      "                revert(0x00, 0x00)",
      "            }",
      "            result := success",
    ].join("\n"),
    to: [
      "            // Deferred pairing: every other check passed; return the pairing's inputs",
      "            // e(lhs, G2 point at 0x02a0) * e(rhs, G2 point at 0x0320) == 1 for the caller to check, batched with other proofs.",
      "            if iszero(success) {",
      "                revert(0x00, 0x00)",
      "            }",
      "            mstore(0x00, 0x01)",
      "            mstore(0x20, mload(add(theta_mptr, 0x2c0)))",
      "            mstore(0x40, mload(add(theta_mptr, 0x2e0)))",
      "            mstore(0x60, mload(add(theta_mptr, 0x300)))",
      "            mstore(0x80, mload(add(theta_mptr, 0x320)))",
      "            return(0x00, 0xa0)",
    ].join("\n"),
  },
];

const HEADER = [
  "// DERIVED FILE: written by contracts-evm/scripts/derive-deferred-verifier.mjs from Halo2VerifierReusable.sol",
  "// (EZKL's generated reusable verifier); do not edit. Same checks; the final pairing is returned, not performed.",
].join("\n");

export function deriveDeferredVerifier(source) {
  let out = source;
  for (const r of REPLACEMENTS) {
    const matches =
      typeof r.from === "string" ? out.split(r.from).length - 1 : [...out.matchAll(new RegExp(r.from, "g"))].length;
    if (matches !== 1) {
      throw new Error(`derive-deferred-verifier: anchor for ${r.what} matched ${matches} times (expected 1)`);
    }
    out = out.replace(r.from, r.to);
  }
  return `${HEADER}\n${out}`;
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const derived = deriveDeferredVerifier(readFileSync(sourcePath, "utf8"));
  if (process.argv.includes("--check")) {
    let committed = "";
    try {
      committed = readFileSync(targetPath, "utf8");
    } catch {}
    if (committed !== derived) {
      console.error(
        `${path.relative(process.cwd(), targetPath)} is not the derivation of Halo2VerifierReusable.sol: run node contracts-evm/scripts/derive-deferred-verifier.mjs`,
      );
      process.exit(1);
    }
    console.log("deferred verifier: up to date");
  } else {
    writeFileSync(targetPath, derived);
    console.log(`wrote ${path.relative(process.cwd(), targetPath)}`);
  }
}
