//! FlakyConsumer: an IInferenceConsumer that panics while `failing` is set, and otherwise records the
//! last output it received; used to show that a failing callback loses nothing and can be retried.
#[starknet::contract]
pub mod FlakyConsumer {
    use crate::interfaces::consumer::IInferenceConsumer;
    use starknet::storage::{StoragePointerReadAccess, StoragePointerWriteAccess};

    #[storage]
    struct Storage {
        failing: bool,
        calls: u32,
        last_request_id: u64,
        last_output_sum: i128,
    }

    #[starknet::interface]
    pub trait IFlakyConsumer<TContractState> {
        fn set_failing(ref self: TContractState, failing: bool);
        fn calls(self: @TContractState) -> u32;
        fn last_request_id(self: @TContractState) -> u64;
        fn last_output_sum(self: @TContractState) -> i128;
    }

    #[abi(embed_v0)]
    pub impl FlakyImpl of IFlakyConsumer<ContractState> {
        fn set_failing(ref self: ContractState, failing: bool) {
            self.failing.write(failing);
        }

        fn calls(self: @ContractState) -> u32 {
            self.calls.read()
        }

        fn last_request_id(self: @ContractState) -> u64 {
            self.last_request_id.read()
        }

        fn last_output_sum(self: @ContractState) -> i128 {
            self.last_output_sum.read()
        }
    }

    #[abi(embed_v0)]
    pub impl ConsumerImpl of IInferenceConsumer<ContractState> {
        fn on_inference_result(ref self: ContractState, request_id: u64, model_id: u256, output: Span<i128>) {
            assert(!self.failing.read(), 'consumer is failing');
            let mut sum: i128 = 0;
            for value in output {
                sum += *value;
            };
            self.calls.write(self.calls.read() + 1);
            self.last_request_id.write(request_id);
            self.last_output_sum.write(sum);
        }
    }
}
