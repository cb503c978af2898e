// ABIs of EZKL's generated verifiers (see prover/docs/instances.md for their quirks).
export const reusableVerifierAbi = [
  {
    type: "function",
    name: "registerVka",
    inputs: [{ name: "vka", type: "bytes32[]" }],
    outputs: [{ name: "vka_digest", type: "bytes32" }],
    stateMutability: "nonpayable",
  },
  {
    type: "function",
    name: "verifyProof",
    inputs: [
      { name: "proof", type: "bytes" },
      { name: "instances", type: "uint256[]" },
      { name: "vka", type: "bytes32[]" },
    ],
    outputs: [
      { name: "success", type: "bool" },
      { name: "vka_digest", type: "bytes32" },
      { name: "rescaled_instances", type: "int256[]" },
    ],
    stateMutability: "nonpayable",
  },
] as const;

export const modelVerifierAbi = [
  {
    type: "function",
    name: "verifyProof",
    inputs: [
      { name: "proof", type: "bytes" },
      { name: "instances", type: "uint256[]" },
    ],
    outputs: [{ name: "", type: "bool" }],
    stateMutability: "nonpayable",
  },
] as const;
