//! Deploys a spoke with a test fee token and plays the roles around it (requesters, the L1 gateway).
//!
//! Most tests drive the deployed spoke by calling its functions on its own storage
//! (`contract_state_for_testing` with the contract address set to the spoke and the caller set to the
//! actor), the way the sequencer runs the L1 handler. Contract-to-contract calls the spoke makes (the
//! fee token, consumers) stay real calls. The reason is cost: cairo-test re-assembles the whole test
//! program for every contract call, which makes each dispatcher call take a large fraction of a second
//! in wasm. tests/end_to_end.cairo goes through deployed contracts and dispatchers only.
use crate::interfaces::spoke::{IZkVinStarknetSpokeDispatcher, SpokeLimits};
use crate::messages::{HubMessage, ResultMessage, encode_hub_message};
use crate::spoke::ZkVinStarknetSpoke;
use crate::spoke::ZkVinStarknetSpoke::SpokeImpl;
use crate::support::test_token::TestToken;
use crate::support::test_token::TestToken::{ERC20Impl, TestTokenImpl};
use starknet::syscalls::deploy_syscall;
use starknet::testing::{set_block_timestamp, set_caller_address, set_contract_address};
use starknet::{ContractAddress, EthAddress, SyscallResultTrait};

pub const NOW: u64 = 1700000000;
pub const GATEWAY: felt252 = 0x5a4e5f56494e5f53544152474154455741590001;
pub const MODEL_ID: u256 = 7;
pub const FEE: u256 = 1000;
pub const TTL: u64 = 600;

pub fn owner() -> ContractAddress {
    'owner'.try_into().unwrap()
}

pub fn treasury() -> ContractAddress {
    'treasury'.try_into().unwrap()
}

pub fn alice() -> ContractAddress {
    'alice'.try_into().unwrap()
}

pub fn bob() -> ContractAddress {
    'bob'.try_into().unwrap()
}

pub fn node() -> ContractAddress {
    'node'.try_into().unwrap()
}

pub fn model_owner() -> ContractAddress {
    'model owner'.try_into().unwrap()
}

pub fn zero() -> ContractAddress {
    0.try_into().unwrap()
}

pub fn gateway() -> EthAddress {
    GATEWAY.try_into().unwrap()
}

pub fn limits() -> SpokeLimits {
    SpokeLimits { min_fee: 100, min_ttl: 60, max_ttl: 86400, reclaim_delay: 3600 }
}

/// A deployed spoke and its fee token.
#[derive(Copy, Drop)]
pub struct Env {
    pub spoke: ContractAddress,
    pub token: ContractAddress,
}

pub fn deploy(class_hash: felt252, salt: felt252, calldata: Span<felt252>) -> ContractAddress {
    let (address, _) = deploy_syscall(class_hash.try_into().unwrap(), salt, calldata, false)
        .unwrap_syscall();
    address
}

pub fn spoke_calldata(fee_token: ContractAddress, limits: SpokeLimits) -> Array<felt252> {
    let mut calldata: Array<felt252> = array![];
    Serde::serialize(@owner(), ref calldata);
    Serde::serialize(@fee_token, ref calldata);
    Serde::serialize(@gateway(), ref calldata);
    Serde::serialize(@treasury(), ref calldata);
    Serde::serialize(@limits, ref calldata);
    calldata
}

/// Deploys the token and the spoke (through its constructor) at time NOW.
pub fn setup() -> Env {
    set_block_timestamp(NOW);
    let token = deploy(TestToken::TEST_CLASS_HASH, 1, array![].span());
    let spoke = deploy(ZkVinStarknetSpoke::TEST_CLASS_HASH, 2, spoke_calldata(token, limits()).span());
    Env { spoke, token }
}

pub fn spoke_dispatcher(env: Env) -> IZkVinStarknetSpokeDispatcher {
    IZkVinStarknetSpokeDispatcher { contract_address: env.spoke }
}

/// The spoke's storage, with `caller` as the caller of the functions called on it.
pub fn spoke_as(env: Env, caller: ContractAddress) -> ZkVinStarknetSpoke::ContractState {
    set_contract_address(env.spoke);
    set_caller_address(caller);
    ZkVinStarknetSpoke::contract_state_for_testing()
}

/// The token's storage, with `caller` as the caller of the functions called on it.
pub fn token_as(env: Env, caller: ContractAddress) -> TestToken::ContractState {
    set_contract_address(env.token);
    set_caller_address(caller);
    TestToken::contract_state_for_testing()
}

pub fn balance(env: Env, account: ContractAddress) -> u256 {
    ERC20Impl::balance_of(@token_as(env, zero()), account)
}

/// Mints `amount` to `who` and has `who` approve the spoke for it.
pub fn fund(env: Env, who: ContractAddress, amount: u256) {
    let mut token = token_as(env, who);
    TestTokenImpl::mint(ref token, who, amount);
    ERC20Impl::approve(ref token, env.spoke, amount);
}

/// `who` requests an inference of MODEL_ID with the given input, paying FEE, deadline NOW + TTL.
pub fn request_as(env: Env, who: ContractAddress, input: Span<i128>) -> u64 {
    fund(env, who, FEE);
    let mut spoke = spoke_as(env, who);
    SpokeImpl::request_inference(ref spoke, MODEL_ID, input, FEE, NOW + TTL)
}

/// Runs the spoke's L1 handler as the sequencer does for a message from `from_address` on L1.
pub fn receive_from_l1(env: Env, from_address: felt252, payload: Span<felt252>) {
    let mut spoke = spoke_as(env, zero());
    ZkVinStarknetSpoke::on_hub_message(ref spoke, from_address, payload);
}

pub fn result_payload(
    request_id: u64,
    output: Span<i128>,
    node_amount: u256,
    model_owner_amount: u256,
    protocol_amount: u256,
) -> Array<felt252> {
    encode_hub_message(
        @HubMessage::Result(
            ResultMessage {
                request_id,
                node: node(),
                node_amount,
                model_owner: model_owner(),
                model_owner_amount,
                protocol_amount,
                output,
            },
        ),
    )
}

pub fn expired_payload(request_id: u64) -> Array<felt252> {
    encode_hub_message(@HubMessage::Expired(request_id))
}

/// The gateway answers `request_id` with `output` and this split of FEE: 600 node, 250 model owner,
/// 100 protocol, 50 back to the requester.
pub fn fulfil(env: Env, request_id: u64, output: Span<i128>) {
    receive_from_l1(env, GATEWAY, result_payload(request_id, output, 600, 250, 100).span());
}

/// Drops every event the contract at `address` emitted so far.
pub fn drain_events(address: ContractAddress) {
    loop {
        match starknet::testing::pop_log_raw(address) {
            Option::Some(_) => {},
            Option::None => { break; },
        }
    };
}

/// The spoke's token balance equals what it owes: escrowed fees plus credited balances.
pub fn assert_books_balance(env: Env) {
    let held = balance(env, env.spoke);
    let spoke = spoke_as(env, zero());
    let owed = SpokeImpl::total_escrowed(@spoke) + SpokeImpl::total_claimable(@spoke);
    assert(held == owed, 'books do not balance');
}
