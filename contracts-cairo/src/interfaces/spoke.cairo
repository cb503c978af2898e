//! The zk-VIN Starknet spoke: types, the requester-facing interface and the owner's interface.
use starknet::{ContractAddress, EthAddress};

/// Where a request stands. `None` is the default of an id that was never issued.
#[derive(Copy, Drop, Serde, PartialEq, starknet::Store)]
pub enum RequestStatus {
    #[default]
    None,
    /// The fee is escrowed and the request was sent to L1; no answer yet.
    Pending,
    /// The hub's result arrived: the output is stored and the fee was settled.
    Fulfilled,
    /// The hub reported that the request expired: the fee was credited back to the requester.
    Expired,
    /// No answer came before `deadline + reclaim_delay`: the fee was credited back to the requester.
    Reclaimed,
}

/// A request as the spoke stores it.
#[derive(Copy, Drop, Serde, PartialEq, starknet::Store)]
pub struct InferenceRequest {
    /// The caller of `request_inference`; receives refunds and the `on_inference_result` callback.
    pub requester: ContractAddress,
    pub model_id: u256,
    /// Fee-token amount escrowed for the request.
    pub fee: u256,
    /// Unix time after which the hub answers with an expiry notice instead of a result.
    pub deadline: u64,
    pub created_at: u64,
    /// Poseidon hash of the input values as felts (see messages::input_hash).
    pub input_hash: felt252,
    pub status: RequestStatus,
    /// True once `deliver` handed the result to the requester.
    pub delivered: bool,
}

/// Bounds the owner sets on new requests and on local reclaims.
#[derive(Copy, Drop, Serde, PartialEq, starknet::Store)]
pub struct SpokeLimits {
    /// Smallest fee accepted; never below 1.
    pub min_fee: u256,
    /// Shortest time from now to a request's deadline, in seconds.
    pub min_ttl: u64,
    /// Longest time from now to a request's deadline, in seconds.
    pub max_ttl: u64,
    /// Time after the deadline from which a request that never got an answer can be reclaimed.
    pub reclaim_delay: u64,
}

#[starknet::interface]
pub trait IZkVinStarknetSpoke<TContractState> {
    /// Escrows `fee` (pulled from the caller with `transfer_from`: approve the spoke first), stores the
    /// request and sends it to the L1 gateway. `input` holds fixed-point values `round(x * 2^scale)` at
    /// the model's input scale. Returns the request id (1, 2, ...).
    fn request_inference(
        ref self: TContractState, model_id: u256, input: Span<i128>, fee: u256, deadline: u64,
    ) -> u64;
    /// Calls the requester's `on_inference_result` with a stored result. Anyone may call it, once per
    /// request; when the consumer panics the whole call reverts and can be retried.
    fn deliver(ref self: TContractState, request_id: u64);
    /// Credits the fee back to the requester of a request that got neither a result nor an expiry
    /// notice by `deadline + reclaim_delay`. Anyone may call it. Returns the amount credited.
    fn reclaim(ref self: TContractState, request_id: u64) -> u256;
    /// Transfers the caller's whole credited balance (earnings or refunds) to `recipient`.
    fn withdraw(ref self: TContractState, recipient: ContractAddress) -> u256;
    fn get_request(self: @TContractState, request_id: u64) -> InferenceRequest;
    /// The stored output of a fulfilled request (empty otherwise).
    fn get_output(self: @TContractState, request_id: u64) -> Span<i128>;
    /// Fee-token amount `account` may withdraw.
    fn claimable(self: @TContractState, account: ContractAddress) -> u256;
    /// Sum of the fees of pending requests.
    fn total_escrowed(self: @TContractState) -> u256;
    /// Sum of all credited, not yet withdrawn balances.
    fn total_claimable(self: @TContractState) -> u256;
    /// The id the next request will get.
    fn next_request_id(self: @TContractState) -> u64;
    fn fee_token(self: @TContractState) -> ContractAddress;
    fn l1_gateway(self: @TContractState) -> EthAddress;
    fn treasury(self: @TContractState) -> ContractAddress;
    fn limits(self: @TContractState) -> SpokeLimits;
}

#[starknet::interface]
pub trait IZkVinStarknetSpokeAdmin<TContractState> {
    fn owner(self: @TContractState) -> ContractAddress;
    fn is_paused(self: @TContractState) -> bool;
    fn transfer_ownership(ref self: TContractState, new_owner: ContractAddress);
    /// Stops new requests. Results, expiry notices, deliveries, reclaims and withdrawals keep working so
    /// that nothing already paid can get stuck.
    fn pause(ref self: TContractState);
    fn unpause(ref self: TContractState);
    /// The only L1 address whose messages the spoke accepts, and the destination of its requests.
    fn set_l1_gateway(ref self: TContractState, l1_gateway: EthAddress);
    /// Receives the protocol's share of settled fees.
    fn set_treasury(ref self: TContractState, treasury: ContractAddress);
    fn set_limits(ref self: TContractState, limits: SpokeLimits);
}
