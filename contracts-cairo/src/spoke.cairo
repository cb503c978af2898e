//! ZkVinStarknetSpoke: zk-VIN's inference oracle on Starknet.
//!
//! A consumer calls `request_inference`; the fee is escrowed here in the fee token and the request goes
//! to the L1 `StarknetGateway` as an L2 -> L1 message. The gateway hands it to the hub, where a node
//! proves the inference; the hub's verified result (or an expiry notice) comes back as an L1 -> L2
//! message to `on_hub_message`, which accepts only the configured gateway as sender, stores the result
//! and settles the escrow as pull payments (node, model owner, treasury, change to the requester) or
//! credits a refund. `deliver` then hands the result to the consumer in its own transaction: on
//! Starknet a panicking callee reverts its caller's whole transaction (Cairo 2.8 cannot catch it), so a
//! callback inside the L1 handler would let one broken consumer block its own result and settlement.
//! Payments settle where they were paid; no tokens cross chains.
#[starknet::contract]
pub mod ZkVinStarknetSpoke {
    use crate::interfaces::consumer::{IInferenceConsumerDispatcher, IInferenceConsumerDispatcherTrait};
    use crate::interfaces::erc20::{IERC20Dispatcher, IERC20DispatcherTrait};
    use crate::interfaces::spoke::{
        IZkVinStarknetSpoke, IZkVinStarknetSpokeAdmin, InferenceRequest, RequestStatus, SpokeLimits,
    };
    use crate::messages::{
        HubMessage, MAX_VALUES, RequestMessage, ResultMessage, decode_hub_message, encode_request,
        input_hash,
    };
    use starknet::storage::{
        Map, StorageMapReadAccess, StorageMapWriteAccess, StoragePointerReadAccess,
        StoragePointerWriteAccess,
    };
    use starknet::syscalls::send_message_to_l1_syscall;
    use starknet::{
        ContractAddress, EthAddress, SyscallResultTrait, get_block_timestamp, get_caller_address,
        get_contract_address,
    };

    /// Longest deadline the owner may allow: 30 days.
    pub const MAX_TTL_CAP: u64 = 2592000;
    /// Bounds on `reclaim_delay`: long enough for an expiry notice to arrive from L1, at most 30 days.
    pub const MIN_RECLAIM_DELAY: u64 = 3600;
    pub const MAX_RECLAIM_DELAY: u64 = 2592000;

    #[storage]
    struct Storage {
        owner: ContractAddress,
        paused: bool,
        fee_token: ContractAddress,
        l1_gateway: EthAddress,
        treasury: ContractAddress,
        limits: SpokeLimits,
        next_request_id: u64,
        requests: Map<u64, InferenceRequest>,
        output_len: Map<u64, u32>,
        outputs: Map<(u64, u32), i128>,
        claimable: Map<ContractAddress, u256>,
        total_escrowed: u256,
        total_claimable: u256,
    }

    #[event]
    #[derive(Drop, PartialEq, starknet::Event)]
    pub enum Event {
        InferenceRequested: InferenceRequested,
        InferenceFulfilled: InferenceFulfilled,
        InferenceExpired: InferenceExpired,
        InferenceReclaimed: InferenceReclaimed,
        ResultDelivered: ResultDelivered,
        Credited: Credited,
        Withdrawn: Withdrawn,
        Paused: Paused,
        Unpaused: Unpaused,
        OwnershipTransferred: OwnershipTransferred,
        L1GatewayUpdated: L1GatewayUpdated,
        TreasuryUpdated: TreasuryUpdated,
        LimitsUpdated: LimitsUpdated,
    }

    /// A request was escrowed and sent to L1 (the message payload is `messages::encode_request` of
    /// these fields).
    #[derive(Drop, PartialEq, starknet::Event)]
    pub struct InferenceRequested {
        #[key]
        pub request_id: u64,
        #[key]
        pub requester: ContractAddress,
        #[key]
        pub model_id: u256,
        pub fee: u256,
        pub deadline: u64,
        pub input: Span<i128>,
        pub input_hash: felt252,
    }

    /// The hub's result arrived and the fee was split; `refund` is the part returned to the requester.
    #[derive(Drop, PartialEq, starknet::Event)]
    pub struct InferenceFulfilled {
        #[key]
        pub request_id: u64,
        pub output: Span<i128>,
        pub node: ContractAddress,
        pub node_amount: u256,
        pub model_owner: ContractAddress,
        pub model_owner_amount: u256,
        pub protocol_amount: u256,
        pub refund: u256,
    }

    /// The hub reported the request expired; the whole fee was credited back.
    #[derive(Drop, PartialEq, starknet::Event)]
    pub struct InferenceExpired {
        #[key]
        pub request_id: u64,
        pub requester: ContractAddress,
        pub refund: u256,
    }

    /// No answer came in time; the whole fee was credited back.
    #[derive(Drop, PartialEq, starknet::Event)]
    pub struct InferenceReclaimed {
        #[key]
        pub request_id: u64,
        pub requester: ContractAddress,
        pub refund: u256,
    }

    #[derive(Drop, PartialEq, starknet::Event)]
    pub struct ResultDelivered {
        #[key]
        pub request_id: u64,
        #[key]
        pub consumer: ContractAddress,
    }

    /// `amount` of the fee token became withdrawable by `account` because of `request_id`.
    #[derive(Drop, PartialEq, starknet::Event)]
    pub struct Credited {
        #[key]
        pub account: ContractAddress,
        #[key]
        pub request_id: u64,
        pub amount: u256,
    }

    #[derive(Drop, PartialEq, starknet::Event)]
    pub struct Withdrawn {
        #[key]
        pub account: ContractAddress,
        pub recipient: ContractAddress,
        pub amount: u256,
    }

    #[derive(Drop, PartialEq, starknet::Event)]
    pub struct Paused {
        pub account: ContractAddress,
    }

    #[derive(Drop, PartialEq, starknet::Event)]
    pub struct Unpaused {
        pub account: ContractAddress,
    }

    #[derive(Drop, PartialEq, starknet::Event)]
    pub struct OwnershipTransferred {
        #[key]
        pub previous_owner: ContractAddress,
        #[key]
        pub new_owner: ContractAddress,
    }

    #[derive(Drop, PartialEq, starknet::Event)]
    pub struct L1GatewayUpdated {
        pub previous: EthAddress,
        pub current: EthAddress,
    }

    #[derive(Drop, PartialEq, starknet::Event)]
    pub struct TreasuryUpdated {
        pub previous: ContractAddress,
        pub current: ContractAddress,
    }

    #[derive(Drop, PartialEq, starknet::Event)]
    pub struct LimitsUpdated {
        pub limits: SpokeLimits,
    }

    #[constructor]
    fn constructor(
        ref self: ContractState,
        owner: ContractAddress,
        fee_token: ContractAddress,
        l1_gateway: EthAddress,
        treasury: ContractAddress,
        limits: SpokeLimits,
    ) {
        assert(owner.is_non_zero(), 'zero owner');
        assert(fee_token.is_non_zero(), 'zero fee token');
        assert(l1_gateway.is_non_zero(), 'zero L1 gateway');
        assert(treasury.is_non_zero(), 'zero treasury');
        assert_valid_limits(@limits);
        self.owner.write(owner);
        self.fee_token.write(fee_token);
        self.l1_gateway.write(l1_gateway);
        self.treasury.write(treasury);
        self.limits.write(limits);
        self.next_request_id.write(1);
    }

    /// Entry point for messages from L1. Accepts only the configured gateway as sender; `payload` is a
    /// hub message (see `messages`). Never calls another contract, so nothing outside the spoke can
    /// make a valid message fail.
    #[l1_handler]
    pub fn on_hub_message(ref self: ContractState, from_address: felt252, payload: Span<felt252>) {
        let gateway: felt252 = self.l1_gateway.read().into();
        assert(from_address == gateway, 'unauthorized L1 sender');
        match decode_hub_message(payload) {
            HubMessage::Result(result) => self.settle_result(result),
            HubMessage::Expired(request_id) => self.settle_expiry(request_id),
        }
    }

    fn assert_valid_limits(limits: @SpokeLimits) {
        assert(*limits.min_fee > 0, 'min fee is zero');
        assert(*limits.min_ttl > 0, 'min ttl is zero');
        assert(*limits.min_ttl <= *limits.max_ttl, 'min ttl above max ttl');
        assert(*limits.max_ttl <= MAX_TTL_CAP, 'max ttl above cap');
        assert(*limits.reclaim_delay >= MIN_RECLAIM_DELAY, 'reclaim delay too short');
        assert(*limits.reclaim_delay <= MAX_RECLAIM_DELAY, 'reclaim delay too long');
    }

    #[abi(embed_v0)]
    pub impl SpokeImpl of IZkVinStarknetSpoke<ContractState> {
        fn request_inference(
            ref self: ContractState, model_id: u256, input: Span<i128>, fee: u256, deadline: u64,
        ) -> u64 {
            assert(!self.paused.read(), 'spoke is paused');
            assert(input.len() > 0, 'empty input');
            assert(input.len() <= MAX_VALUES, 'input too long');
            let limits = self.limits.read();
            assert(fee >= limits.min_fee, 'fee below minimum');
            let now = get_block_timestamp();
            assert(deadline >= now + limits.min_ttl, 'deadline too soon');
            assert(deadline <= now + limits.max_ttl, 'deadline too far');

            let requester = get_caller_address();
            let request_id = self.next_request_id.read();
            let hash = input_hash(input);
            self.next_request_id.write(request_id + 1);
            self
                .requests
                .write(
                    request_id,
                    InferenceRequest {
                        requester,
                        model_id,
                        fee,
                        deadline,
                        created_at: now,
                        input_hash: hash,
                        status: RequestStatus::Pending,
                        delivered: false,
                    },
                );
            self.total_escrowed.write(self.total_escrowed.read() + fee);
            self
                .emit(
                    InferenceRequested {
                        request_id, requester, model_id, fee, deadline, input, input_hash: hash,
                    },
                );

            let payload = encode_request(
                @RequestMessage { request_id, requester, model_id, fee, deadline, input },
            );
            send_message_to_l1_syscall(self.l1_gateway.read().into(), payload.span()).unwrap_syscall();
            let paid = IERC20Dispatcher { contract_address: self.fee_token.read() }
                .transfer_from(requester, get_contract_address(), fee);
            assert(paid, 'fee transfer failed');
            request_id
        }

        fn deliver(ref self: ContractState, request_id: u64) {
            let mut request = self.requests.read(request_id);
            assert(request.status == RequestStatus::Fulfilled, 'no result to deliver');
            assert(!request.delivered, 'result already delivered');
            request.delivered = true;
            self.requests.write(request_id, request);
            self.emit(ResultDelivered { request_id, consumer: request.requester });
            IInferenceConsumerDispatcher { contract_address: request.requester }
                .on_inference_result(request_id, request.model_id, self.read_output(request_id));
        }

        fn reclaim(ref self: ContractState, request_id: u64) -> u256 {
            let mut request = self.requests.read(request_id);
            assert(request.status == RequestStatus::Pending, 'request not pending');
            let limits = self.limits.read();
            assert(get_block_timestamp() > request.deadline + limits.reclaim_delay, 'reclaim too early');
            request.status = RequestStatus::Reclaimed;
            self.requests.write(request_id, request);
            self.release_escrow(request.fee);
            self.credit(request.requester, request_id, request.fee);
            self.emit(InferenceReclaimed { request_id, requester: request.requester, refund: request.fee });
            request.fee
        }

        fn withdraw(ref self: ContractState, recipient: ContractAddress) -> u256 {
            assert(recipient.is_non_zero(), 'zero recipient');
            let account = get_caller_address();
            let amount = self.claimable.read(account);
            assert(amount > 0, 'nothing to withdraw');
            self.claimable.write(account, 0);
            self.total_claimable.write(self.total_claimable.read() - amount);
            self.emit(Withdrawn { account, recipient, amount });
            let sent = IERC20Dispatcher { contract_address: self.fee_token.read() }.transfer(recipient, amount);
            assert(sent, 'withdrawal transfer failed');
            amount
        }

        fn get_request(self: @ContractState, request_id: u64) -> InferenceRequest {
            self.requests.read(request_id)
        }

        fn get_output(self: @ContractState, request_id: u64) -> Span<i128> {
            self.read_output(request_id)
        }

        fn claimable(self: @ContractState, account: ContractAddress) -> u256 {
            self.claimable.read(account)
        }

        fn total_escrowed(self: @ContractState) -> u256 {
            self.total_escrowed.read()
        }

        fn total_claimable(self: @ContractState) -> u256 {
            self.total_claimable.read()
        }

        fn next_request_id(self: @ContractState) -> u64 {
            self.next_request_id.read()
        }

        fn fee_token(self: @ContractState) -> ContractAddress {
            self.fee_token.read()
        }

        fn l1_gateway(self: @ContractState) -> EthAddress {
            self.l1_gateway.read()
        }

        fn treasury(self: @ContractState) -> ContractAddress {
            self.treasury.read()
        }

        fn limits(self: @ContractState) -> SpokeLimits {
            self.limits.read()
        }
    }

    #[abi(embed_v0)]
    pub impl AdminImpl of IZkVinStarknetSpokeAdmin<ContractState> {
        fn owner(self: @ContractState) -> ContractAddress {
            self.owner.read()
        }

        fn is_paused(self: @ContractState) -> bool {
            self.paused.read()
        }

        fn transfer_ownership(ref self: ContractState, new_owner: ContractAddress) {
            self.assert_owner();
            assert(new_owner.is_non_zero(), 'zero owner');
            let previous_owner = self.owner.read();
            self.owner.write(new_owner);
            self.emit(OwnershipTransferred { previous_owner, new_owner });
        }

        fn pause(ref self: ContractState) {
            self.assert_owner();
            assert(!self.paused.read(), 'spoke is paused');
            self.paused.write(true);
            self.emit(Paused { account: get_caller_address() });
        }

        fn unpause(ref self: ContractState) {
            self.assert_owner();
            assert(self.paused.read(), 'spoke is not paused');
            self.paused.write(false);
            self.emit(Unpaused { account: get_caller_address() });
        }

        fn set_l1_gateway(ref self: ContractState, l1_gateway: EthAddress) {
            self.assert_owner();
            assert(l1_gateway.is_non_zero(), 'zero L1 gateway');
            let previous = self.l1_gateway.read();
            self.l1_gateway.write(l1_gateway);
            self.emit(L1GatewayUpdated { previous, current: l1_gateway });
        }

        fn set_treasury(ref self: ContractState, treasury: ContractAddress) {
            self.assert_owner();
            assert(treasury.is_non_zero(), 'zero treasury');
            let previous = self.treasury.read();
            self.treasury.write(treasury);
            self.emit(TreasuryUpdated { previous, current: treasury });
        }

        fn set_limits(ref self: ContractState, limits: SpokeLimits) {
            self.assert_owner();
            assert_valid_limits(@limits);
            self.limits.write(limits);
            self.emit(LimitsUpdated { limits });
        }
    }

    #[generate_trait]
    impl InternalImpl of InternalTrait {
        fn assert_owner(self: @ContractState) {
            assert(get_caller_address() == self.owner.read(), 'caller is not the owner');
        }

        fn pending_request(self: @ContractState, request_id: u64) -> InferenceRequest {
            let request = self.requests.read(request_id);
            assert(request.status != RequestStatus::None, 'unknown request');
            assert(request.status == RequestStatus::Pending, 'request not pending');
            request
        }

        fn read_output(self: @ContractState, request_id: u64) -> Span<i128> {
            let mut output: Array<i128> = array![];
            let len = self.output_len.read(request_id);
            let mut i: u32 = 0;
            while i < len {
                output.append(self.outputs.read((request_id, i)));
                i += 1;
            };
            output.span()
        }

        fn release_escrow(ref self: ContractState, fee: u256) {
            self.total_escrowed.write(self.total_escrowed.read() - fee);
        }

        /// Adds `amount` to what `account` may withdraw (nothing happens for a zero amount).
        fn credit(ref self: ContractState, account: ContractAddress, request_id: u64, amount: u256) {
            if amount == 0 {
                return;
            }
            self.claimable.write(account, self.claimable.read(account) + amount);
            self.total_claimable.write(self.total_claimable.read() + amount);
            self.emit(Credited { account, request_id, amount });
        }

        fn settle_result(ref self: ContractState, result: ResultMessage) {
            let request_id = result.request_id;
            let mut request = self.pending_request(request_id);
            let paid = result.node_amount + result.model_owner_amount + result.protocol_amount;
            assert(paid <= request.fee, 'split exceeds fee');
            assert(result.node_amount == 0 || result.node.is_non_zero(), 'zero node payee');
            assert(
                result.model_owner_amount == 0 || result.model_owner.is_non_zero(),
                'zero model owner payee',
            );
            let refund = request.fee - paid;

            request.status = RequestStatus::Fulfilled;
            self.requests.write(request_id, request);
            let mut i: u32 = 0;
            for value in result.output {
                self.outputs.write((request_id, i), *value);
                i += 1;
            };
            self.output_len.write(request_id, i);

            self.release_escrow(request.fee);
            self.credit(result.node, request_id, result.node_amount);
            self.credit(result.model_owner, request_id, result.model_owner_amount);
            self.credit(self.treasury.read(), request_id, result.protocol_amount);
            self.credit(request.requester, request_id, refund);
            self
                .emit(
                    InferenceFulfilled {
                        request_id,
                        output: result.output,
                        node: result.node,
                        node_amount: result.node_amount,
                        model_owner: result.model_owner,
                        model_owner_amount: result.model_owner_amount,
                        protocol_amount: result.protocol_amount,
                        refund,
                    },
                );
        }

        fn settle_expiry(ref self: ContractState, request_id: u64) {
            let mut request = self.pending_request(request_id);
            request.status = RequestStatus::Expired;
            self.requests.write(request_id, request);
            self.release_escrow(request.fee);
            self.credit(request.requester, request_id, request.fee);
            self.emit(InferenceExpired { request_id, requester: request.requester, refund: request.fee });
        }
    }
}
