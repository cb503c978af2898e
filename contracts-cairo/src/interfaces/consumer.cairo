//! What a contract implements to receive inference results from the Starknet spoke.
//!
//! Mirrors the EVM hub's `IInferenceConsumer.onInferenceResult(uint256 requestId, uint256 modelId,
//! int256[] output)`: `output` holds fixed-point values `round(x * 2^scale)` at the model's output scale.
//! The spoke calls it from `deliver(request_id)`, a transaction of its own, so a consumer that panics
//! only fails that delivery: the result stays stored in the spoke and `deliver` can be called again.
//! A consumer must check that the caller is the spoke it trusts.

#[starknet::interface]
pub trait IInferenceConsumer<TContractState> {
    fn on_inference_result(ref self: TContractState, request_id: u64, model_id: u256, output: Span<i128>);
}
