//! Encoding of the messages between the Starknet spoke and the L1 `StarknetGateway`.
//!
//! Every payload is a list of felts whose first felt is the format version and whose second is the
//! message kind. Layouts (contracts-cairo/README.md, "Messages", is the reference the gateway follows):
//!
//! L2 -> L1, `send_message_to_l1_syscall(gateway, payload)`:
//!   REQUEST  [1, 1, request_id, requester, model_id.low, model_id.high, fee.low, fee.high, deadline,
//!             n, input_0 .. input_{n-1}]
//! L1 -> L2, `on_hub_message(from_address, payload: Span<felt252>)` (calldata: payload length, payload):
//!   RESULT   [1, 2, request_id, node, node_amount.low, node_amount.high, model_owner,
//!             model_owner_amount.low, model_owner_amount.high, protocol_amount.low,
//!             protocol_amount.high, m, output_0 .. output_{m-1}]
//!   EXPIRED  [1, 3, request_id]
//!
//! Values (inputs and outputs) are signed fixed-point integers `round(x * 2^scale)` in the i128 range,
//! one felt each, encoded as Cairo encodes an i128: v >= 0 is the felt v, v < 0 is the felt P - |v| with
//! P = 2^251 + 17 * 2^192 + 1 (the STARK field modulus). u256 amounts and ids are two felts, low 128
//! bits first. Decoding rejects anything else: a wrong version or kind, a value outside its type, a
//! length that disagrees with the count, trailing felts.
use core::poseidon::poseidon_hash_span;
use starknet::ContractAddress;

pub const MESSAGE_VERSION: felt252 = 1;
pub const KIND_REQUEST: felt252 = 1;
pub const KIND_RESULT: felt252 = 2;
pub const KIND_EXPIRED: felt252 = 3;
/// Most values a request's input or a result's output may hold (the EVM hub's limit).
pub const MAX_VALUES: u32 = 256;

/// A request as it leaves for L1.
#[derive(Copy, Drop, PartialEq)]
pub struct RequestMessage {
    pub request_id: u64,
    pub requester: ContractAddress,
    pub model_id: u256,
    pub fee: u256,
    pub deadline: u64,
    pub input: Span<i128>,
}

/// The hub's verified answer and who earned the escrowed fee. What the three amounts leave of the fee
/// goes back to the requester.
#[derive(Copy, Drop, PartialEq)]
pub struct ResultMessage {
    pub request_id: u64,
    pub node: ContractAddress,
    pub node_amount: u256,
    pub model_owner: ContractAddress,
    pub model_owner_amount: u256,
    pub protocol_amount: u256,
    pub output: Span<i128>,
}

#[derive(Copy, Drop, PartialEq)]
pub enum HubMessage {
    Result: ResultMessage,
    /// The hub gave up on the request (deadline passed or request refused): refund it.
    Expired: u64,
}

pub fn value_to_felt(value: i128) -> felt252 {
    value.into()
}

pub fn felt_to_value(felt: felt252) -> i128 {
    felt.try_into().expect('value out of i128 range')
}

fn append_u256(ref out: Array<felt252>, value: u256) {
    out.append(value.low.into());
    out.append(value.high.into());
}

fn append_values(ref out: Array<felt252>, values: Span<i128>) {
    out.append(values.len().into());
    for value in values {
        out.append(value_to_felt(*value));
    };
}

/// Poseidon hash of the input values, each as its felt (the same felts the request message carries).
pub fn input_hash(input: Span<i128>) -> felt252 {
    let mut felts: Array<felt252> = array![];
    for value in input {
        felts.append(value_to_felt(*value));
    };
    poseidon_hash_span(felts.span())
}

pub fn encode_request(message: @RequestMessage) -> Array<felt252> {
    let mut out: Array<felt252> = array![MESSAGE_VERSION, KIND_REQUEST];
    out.append((*message.request_id).into());
    out.append((*message.requester).into());
    append_u256(ref out, *message.model_id);
    append_u256(ref out, *message.fee);
    out.append((*message.deadline).into());
    append_values(ref out, *message.input);
    out
}

/// The gateway's side of the hub messages, written in Cairo: what `decode_hub_message` reads. The tests
/// build the gateway's messages with it.
pub fn encode_hub_message(message: @HubMessage) -> Array<felt252> {
    match message {
        HubMessage::Result(r) => {
            let mut out: Array<felt252> = array![MESSAGE_VERSION, KIND_RESULT];
            out.append((*r.request_id).into());
            out.append((*r.node).into());
            append_u256(ref out, *r.node_amount);
            out.append((*r.model_owner).into());
            append_u256(ref out, *r.model_owner_amount);
            append_u256(ref out, *r.protocol_amount);
            append_values(ref out, *r.output);
            out
        },
        HubMessage::Expired(request_id) => array![MESSAGE_VERSION, KIND_EXPIRED, (*request_id).into()],
    }
}

fn take(ref data: Span<felt252>) -> felt252 {
    *data.pop_front().expect('message too short')
}

fn take_u64(ref data: Span<felt252>) -> u64 {
    take(ref data).try_into().expect('u64 out of range')
}

fn take_u256(ref data: Span<felt252>) -> u256 {
    let low: u128 = take(ref data).try_into().expect('u256 low out of range');
    let high: u128 = take(ref data).try_into().expect('u256 high out of range');
    u256 { low, high }
}

fn take_address(ref data: Span<felt252>) -> ContractAddress {
    take(ref data).try_into().expect('address out of range')
}

fn take_values(ref data: Span<felt252>) -> Span<i128> {
    let count: u32 = take(ref data).try_into().expect('count out of range');
    assert(count > 0, 'no values');
    assert(count <= MAX_VALUES, 'too many values');
    assert(data.len() >= count, 'message too short');
    let mut values: Array<i128> = array![];
    for _ in 0..count {
        values.append(felt_to_value(take(ref data)));
    };
    values.span()
}

/// Decodes a message from the L1 gateway; panics with a short reason on anything malformed.
pub fn decode_hub_message(payload: Span<felt252>) -> HubMessage {
    let mut data = payload;
    assert(take(ref data) == MESSAGE_VERSION, 'unsupported message version');
    let kind = take(ref data);
    let message = if kind == KIND_RESULT {
        let request_id = take_u64(ref data);
        let node = take_address(ref data);
        let node_amount = take_u256(ref data);
        let model_owner = take_address(ref data);
        let model_owner_amount = take_u256(ref data);
        let protocol_amount = take_u256(ref data);
        let output = take_values(ref data);
        HubMessage::Result(
            ResultMessage {
                request_id, node, node_amount, model_owner, model_owner_amount, protocol_amount, output,
            },
        )
    } else if kind == KIND_EXPIRED {
        HubMessage::Expired(take_u64(ref data))
    } else {
        panic_with_felt252('unknown message kind')
    };
    assert(data.is_empty(), 'trailing message data');
    message
}
