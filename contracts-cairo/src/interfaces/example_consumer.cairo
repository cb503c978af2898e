//! The example consumer's own entry points (see src/consumers/example_consumer.cairo).
use starknet::ContractAddress;

#[starknet::interface]
pub trait IExampleConsumer<TContractState> {
    /// Pays `fee` from the consumer's own fee-token balance and asks the spoke for an inference.
    /// Only the owner may spend the consumer's balance. Returns the spoke's request id.
    fn ask(ref self: TContractState, model_id: u256, input: Span<i128>, fee: u256, deadline: u64) -> u64;
    /// Moves refunds and other balances the spoke credited to this consumer to `recipient`.
    fn withdraw_from_spoke(ref self: TContractState, recipient: ContractAddress) -> u256;
    fn spoke(self: @TContractState) -> ContractAddress;
    fn owner(self: @TContractState) -> ContractAddress;
    /// True once the spoke delivered the result of `request_id`.
    fn is_answered(self: @TContractState, request_id: u64) -> bool;
    /// The delivered output of `request_id` (empty until it is answered).
    fn output_of(self: @TContractState, request_id: u64) -> Span<i128>;
}
