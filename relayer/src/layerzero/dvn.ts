import { type Address, encodeFunctionData, encodePacked, type Hex, keccak256, type LocalAccount } from "viem";
import { receiveUlnAbi } from "./abi.js";
import type { Packet } from "./packet.js";

/** One DVN.execute instruction (messagelib `ExecuteParam`). */
export interface DvnInstruction {
  vid: number;
  target: Address;
  callData: Hex;
  expiration: bigint;
  signatures: Hex;
}

/** DVN.hashCallData: keccak256(abi.encodePacked(vid, target, expiration, callData)). */
export function dvnCallDataHash(params: { vid: number; target: Address; callData: Hex; expiration: bigint }): Hex {
  return keccak256(
    encodePacked(
      ["uint32", "address", "uint256", "bytes"],
      [params.vid, params.target, params.expiration, params.callData],
    ),
  );
}

/**
 * The signed instruction that makes a DVN call ReceiveUln302.verify(header, payloadHash, confirmations):
 * the signer (a member of the DVN's quorum) signs DVN.hashCallData with EIP-191, as LayerZero's DVN
 * signers do. The quorum is 1 on local networks; larger quorums need signatures sorted by signer.
 */
export async function signVerifyInstruction(params: {
  signer: LocalAccount;
  vid: number;
  receiveUln302: Address;
  packet: Pick<Packet, "header" | "payloadHash">;
  confirmations: bigint;
  expiration: bigint;
}): Promise<DvnInstruction> {
  const callData = encodeFunctionData({
    abi: receiveUlnAbi,
    functionName: "verify",
    args: [params.packet.header, params.packet.payloadHash, params.confirmations],
  });
  const hash = dvnCallDataHash({
    vid: params.vid,
    target: params.receiveUln302,
    callData,
    expiration: params.expiration,
  });
  const signatures = await params.signer.signMessage({ message: { raw: hash } });
  return { vid: params.vid, target: params.receiveUln302, callData, expiration: params.expiration, signatures };
}
