//! ExampleConsumer: the smallest useful zk-VIN consumer on Starknet.
//!
//! Its owner funds it with the fee token and calls `ask`; it approves the spoke for the fee, requests
//! the inference and remembers the request. When the spoke delivers the result it stores the output
//! (fixed-point values at the model's output scale) for anyone to read. Refunds of expired requests are
//! credited to the consumer in the spoke; the owner moves them out with `withdraw_from_spoke`.
#[starknet::contract]
pub mod ExampleConsumer {
    use crate::interfaces::consumer::IInferenceConsumer;
    use crate::interfaces::erc20::{IERC20Dispatcher, IERC20DispatcherTrait};
    use crate::interfaces::example_consumer::IExampleConsumer;
    use crate::interfaces::spoke::{IZkVinStarknetSpokeDispatcher, IZkVinStarknetSpokeDispatcherTrait};
    use starknet::storage::{
        Map, StorageMapReadAccess, StorageMapWriteAccess, StoragePointerReadAccess,
        StoragePointerWriteAccess,
    };
    use starknet::{ContractAddress, get_caller_address};

    #[storage]
    struct Storage {
        owner: ContractAddress,
        spoke: ContractAddress,
        asked: Map<u64, bool>,
        answered: Map<u64, bool>,
        output_len: Map<u64, u32>,
        outputs: Map<(u64, u32), i128>,
    }

    #[event]
    #[derive(Drop, PartialEq, starknet::Event)]
    pub enum Event {
        InferenceAsked: InferenceAsked,
        InferenceAnswered: InferenceAnswered,
    }

    #[derive(Drop, PartialEq, starknet::Event)]
    pub struct InferenceAsked {
        #[key]
        pub request_id: u64,
        pub model_id: u256,
        pub fee: u256,
    }

    #[derive(Drop, PartialEq, starknet::Event)]
    pub struct InferenceAnswered {
        #[key]
        pub request_id: u64,
        pub model_id: u256,
        pub output: Span<i128>,
    }

    #[constructor]
    fn constructor(ref self: ContractState, owner: ContractAddress, spoke: ContractAddress) {
        assert(owner.is_non_zero(), 'zero owner');
        assert(spoke.is_non_zero(), 'zero spoke');
        self.owner.write(owner);
        self.spoke.write(spoke);
    }

    #[abi(embed_v0)]
    impl ConsumerImpl of IInferenceConsumer<ContractState> {
        fn on_inference_result(ref self: ContractState, request_id: u64, model_id: u256, output: Span<i128>) {
            assert(get_caller_address() == self.spoke.read(), 'caller is not the spoke');
            assert(self.asked.read(request_id), 'unknown request');
            assert(!self.answered.read(request_id), 'already answered');
            self.answered.write(request_id, true);
            let mut i: u32 = 0;
            for value in output {
                self.outputs.write((request_id, i), *value);
                i += 1;
            };
            self.output_len.write(request_id, i);
            self.emit(InferenceAnswered { request_id, model_id, output });
        }
    }

    #[abi(embed_v0)]
    impl ExampleImpl of IExampleConsumer<ContractState> {
        fn ask(ref self: ContractState, model_id: u256, input: Span<i128>, fee: u256, deadline: u64) -> u64 {
            assert(get_caller_address() == self.owner.read(), 'caller is not the owner');
            let spoke = IZkVinStarknetSpokeDispatcher { contract_address: self.spoke.read() };
            let approved = IERC20Dispatcher { contract_address: spoke.fee_token() }
                .approve(spoke.contract_address, fee);
            assert(approved, 'fee approval failed');
            let request_id = spoke.request_inference(model_id, input, fee, deadline);
            self.asked.write(request_id, true);
            self.emit(InferenceAsked { request_id, model_id, fee });
            request_id
        }

        fn withdraw_from_spoke(ref self: ContractState, recipient: ContractAddress) -> u256 {
            assert(get_caller_address() == self.owner.read(), 'caller is not the owner');
            IZkVinStarknetSpokeDispatcher { contract_address: self.spoke.read() }.withdraw(recipient)
        }

        fn spoke(self: @ContractState) -> ContractAddress {
            self.spoke.read()
        }

        fn owner(self: @ContractState) -> ContractAddress {
            self.owner.read()
        }

        fn is_answered(self: @ContractState, request_id: u64) -> bool {
            self.answered.read(request_id)
        }

        fn output_of(self: @ContractState, request_id: u64) -> Span<i128> {
            let mut output: Array<i128> = array![];
            let len = self.output_len.read(request_id);
            let mut i: u32 = 0;
            while i < len {
                output.append(self.outputs.read((request_id, i)));
                i += 1;
            };
            output.span()
        }
    }
}
