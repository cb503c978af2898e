//! Test vectors shared with the Solidity side (contracts-evm/test/messaging/StarknetCodec.t.sol): the exact
//! felts `StarknetCodec.encodeResult` / `encodeExpired` write are decoded here with the spoke's own codec,
//! and the REQUEST that `encode_request` writes here is what `StarknetCodec.decodeRequest` reads there.
use crate::messages::{HubMessage, RequestMessage, decode_hub_message, encode_request};
use starknet::ContractAddress;

const I128_MAX: i128 = 0x7fffffffffffffffffffffffffffffff;
const I128_MIN: i128 = -0x80000000000000000000000000000000;

fn addr(value: felt252) -> ContractAddress {
    value.try_into().unwrap()
}

/// `test_vector_result` in StarknetCodec.t.sol, felt by felt (P - x written as the felt -x).
#[test]
fn solidity_result_vector_decodes() {
    let payload: Array<felt252> = array![
        1, 2, 42, 0xabc01, 7, 5, 0xabc02, 1000, 0, 0, 0, 3, -1234,
        0, -0x80000000000000000000000000000000,
    ];
    match decode_hub_message(payload.span()) {
        HubMessage::Result(r) => {
            assert(r.request_id == 42, 'request id');
            assert(r.node == addr(0xabc01), 'node');
            assert(r.node_amount == u256 { low: 7, high: 5 }, 'node amount');
            assert(r.model_owner == addr(0xabc02), 'model owner');
            assert(r.model_owner_amount == 1000, 'model owner amount');
            assert(r.protocol_amount == 0, 'protocol amount');
            assert(r.output == array![-1234, 0, I128_MIN].span(), 'output');
        },
        HubMessage::Expired(_) => panic_with_felt252('not a result'),
    }
}

#[test]
fn solidity_expired_vector_decodes() {
    let payload: Array<felt252> = array![1, 3, 42];
    assert(decode_hub_message(payload.span()) == HubMessage::Expired(42), 'expired 42');
}

/// `test_vector_request` in StarknetCodec.t.sol decodes exactly these felts.
#[test]
fn request_vector_for_solidity() {
    let message = RequestMessage {
        request_id: 9,
        requester: addr(0x777),
        model_id: 3,
        fee: u256 { low: 0xffffffffffffffffffffffffffffffff, high: 1 },
        deadline: 1800000000,
        input: array![479, -479, I128_MAX].span(),
    };
    let expected: Array<felt252> = array![
        1, 1, 9, 0x777, 3, 0, 0xffffffffffffffffffffffffffffffff, 1, 1800000000, 3, 479, -479,
        0x7fffffffffffffffffffffffffffffff,
    ];
    assert(encode_request(@message) == expected, 'request vector');
}
