// `register-node` goes through the SDK's one implementation of node registration. Against a hub on a real
// anvil whose node pool takes stake in an ERC-20 (deployed by contracts-evm's forge script with
// HUB_STAKE_TOKEN): the SDK's checks refuse a stake below the minimum, and a stake the operator does not
// hold, with the offending value and before anything is sent; a registration approves the token and the
// pool pulls exactly the stake; the SDK's own client skips the approval when the allowance covers it.
import {
  createZkVinClient,
  type Deployment,
  NodeRegistrationError,
  nodePoolAbi,
  StakeBelowMinimumError,
} from "@zk-vin/oracle-sdk";
import {
  type Anvil,
  DEFAULT_SETTINGS,
  deployHub,
  deployStakeToken,
  loadFixture,
  registerLiveModel,
  stakeTokenAbi,
  startAnvil,
} from "@zk-vin/oracle-sdk/testing";
import { type Address, erc20Abi, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { minimumStake, RegistrationError, registerNode, validateRegistration } from "../src/node/register.js";

const OPERATOR = 2;
const SECOND = 3;
const CAPACITY = 100n;

let anvil: Anvil;
let d: Deployment;
let token: Address;
let modelId: bigint;
let market: Address;
let pool: Address;

beforeAll(async () => {
  anvil = await startAnvil({ chainId: 31_431 });
  token = await deployStakeToken(anvil);
  d = deployHub(anvil, DEFAULT_SETTINGS, { stakeToken: token });
  market = d.hub.contracts.InferenceMarket as Address;
  pool = d.hub.contracts.NodePool as Address;
  modelId = await registerLiveModel({ anvil, deployment: d, fixture: loadFixture("linear_regression"), owner: 1 });
});

afterAll(async () => {
  await anvil?.stop();
});

const operator = (key: number) => anvil.account(key).address;
const tokenBalance = (address: Address) =>
  anvil.publicClient.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [address] });

async function mint(to: Address, amount: bigint): Promise<void> {
  const hash = await anvil.wallet(0).writeContract({
    address: token,
    abi: stakeTokenAbi,
    functionName: "mint",
    args: [to, amount],
  });
  await anvil.publicClient.waitForTransactionReceipt({ hash });
}

describe("node registration with an ERC-20 stake", () => {
  it("refuses a stake below the minimum with the SDK's error and its value, sending nothing", async () => {
    const minimum = await minimumStake({ client: anvil.publicClient, market, capacity: CAPACITY });
    expect(minimum).toBeGreaterThan(0n);
    await mint(operator(OPERATOR), minimum);
    const nonce = await anvil.publicClient.getTransactionCount({ address: operator(OPERATOR) });
    const error = await registerNode({
      client: anvil.publicClient,
      wallet: anvil.wallet(OPERATOR),
      market,
      registration: { modelIds: [modelId], capacity: CAPACITY, stake: minimum - 1n },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistrationError);
    expect(error).toMatchObject({ field: "stake", value: minimum - 1n });
    expect((error as Error).message).toBe(
      `stake: ${CAPACITY} compute units need at least ${minimum} (${minimum / CAPACITY} per unit)`,
    );
    const cause = (error as Error).cause;
    expect(cause).toBeInstanceOf(StakeBelowMinimumError);
    expect(cause).toMatchObject({ stake: minimum - 1n, minimum, capacity: CAPACITY, perUnit: minimum / CAPACITY });
    expect(await anvil.publicClient.getTransactionCount({ address: operator(OPERATOR) })).toBe(nonce);
  });

  it("refuses a stake the operator does not hold in the stake token", async () => {
    const minimum = await minimumStake({ client: anvil.publicClient, market, capacity: CAPACITY });
    const error = await validateRegistration({
      client: anvil.publicClient,
      market,
      operator: operator(OPERATOR),
      registration: { modelIds: [modelId], capacity: CAPACITY, stake: 2n * minimum },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistrationError);
    expect(error).toMatchObject({ field: "stake", value: 2n * minimum });
    expect((error as Error).message).toContain(`the operator holds ${minimum} of stake token ${token}`);
    expect((error as Error).cause).toBeInstanceOf(NodeRegistrationError);
    // Other fields are named the same way: an unknown model, and a model listed twice.
    await expect(
      validateRegistration({
        client: anvil.publicClient,
        market,
        operator: operator(OPERATOR),
        registration: { modelIds: [modelId, modelId], capacity: CAPACITY, stake: minimum },
      }),
    ).rejects.toMatchObject({ field: "models[1]", value: modelId });
    await expect(
      validateRegistration({
        client: anvil.publicClient,
        market,
        operator: operator(OPERATOR),
        registration: { modelIds: [modelId + 7n], capacity: CAPACITY, stake: minimum },
      }),
    ).rejects.toMatchObject({ field: "models[0]", value: modelId + 7n });
  });

  it("approves the stake token and the pool pulls exactly the stake", async () => {
    const minimum = await minimumStake({ client: anvil.publicClient, market, capacity: CAPACITY });
    const check = await validateRegistration({
      client: anvil.publicClient,
      market,
      operator: operator(OPERATOR),
      registration: { modelIds: [modelId], capacity: CAPACITY, stake: minimum },
    });
    expect(check).toEqual({ pool, stakeToken: token, minimumStake: minimum });
    const result = await registerNode({
      client: anvil.publicClient,
      wallet: anvil.wallet(OPERATOR),
      market,
      registration: { modelIds: [modelId], capacity: CAPACITY, stake: minimum },
    });
    expect(result.check).toEqual(check);
    const receipt = await anvil.publicClient.getTransactionReceipt({ hash: result.txHash });
    const [registered] = parseEventLogs({ abi: nodePoolAbi, eventName: "NodeRegistered", logs: receipt.logs });
    expect(registered?.args).toMatchObject({ node: operator(OPERATOR), stake: minimum, capacity: CAPACITY });
    expect(result.activeFrom).toBe(registered?.args.activeFromEpoch);
    expect(await tokenBalance(pool)).toBe(minimum);
    expect(await tokenBalance(operator(OPERATOR))).toBe(0n);
    const info = await anvil.publicClient.readContract({
      address: pool,
      abi: nodePoolAbi,
      functionName: "node",
      args: [operator(OPERATOR)],
    });
    expect(info.stake).toBe(minimum);
    // Native value paid nothing towards the stake: the pool holds no ether.
    expect(await anvil.publicClient.getBalance({ address: pool })).toBe(0n);
    await expect(
      registerNode({
        client: anvil.publicClient,
        wallet: anvil.wallet(OPERATOR),
        market,
        registration: { modelIds: [modelId], capacity: CAPACITY, stake: minimum },
      }),
    ).rejects.toMatchObject({ field: "operator", value: operator(OPERATOR) });
  });

  it("the SDK's client stakes within an existing allowance without approving again", async () => {
    const second = createZkVinClient({ deployment: d, account: anvil.account(SECOND), pollingIntervalMs: 50 });
    const minimum = await second.node.requiredStake({ capacity: CAPACITY });
    await mint(operator(SECOND), 3n * minimum);
    const approved = await anvil.wallet(SECOND).writeContract({
      address: token,
      abi: erc20Abi,
      functionName: "approve",
      args: [pool, 2n * minimum],
    });
    await anvil.publicClient.waitForTransactionReceipt({ hash: approved });
    const nonce = await anvil.publicClient.getTransactionCount({ address: operator(SECOND) });
    const registered = await second.node.register({ modelIds: [modelId], capacity: CAPACITY });
    expect(registered).toMatchObject({ stake: minimum, check: { stakeToken: token, minimumStake: minimum } });
    // One transaction: the registration, no approval.
    expect(await anvil.publicClient.getTransactionCount({ address: operator(SECOND) })).toBe(nonce + 1);
    // addStake: the allowance left covers this one; the next needs (and gets) a new approval.
    await second.node.addStake({ amount: minimum });
    await second.node.addStake({ amount: minimum });
    expect(await anvil.publicClient.getTransactionCount({ address: operator(SECOND) })).toBe(nonce + 4);
    expect((await second.node.status()).stake).toBe(3n * minimum);
    expect(await tokenBalance(operator(SECOND))).toBe(0n);
  });
});
