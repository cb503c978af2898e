//! The message codec: exact layouts both ways and rejection of malformed hub messages.
use crate::messages::{
    HubMessage, KIND_EXPIRED, KIND_REQUEST, KIND_RESULT, MESSAGE_VERSION, RequestMessage, ResultMessage,
    decode_hub_message, encode_hub_message, encode_request, felt_to_value, input_hash, value_to_felt,
};
use starknet::ContractAddress;

const P_MINUS_ONE: felt252 = -1;
const I128_MAX: i128 = 0x7fffffffffffffffffffffffffffffff;
const I128_MIN: i128 = -0x80000000000000000000000000000000;

fn addr(value: felt252) -> ContractAddress {
    value.try_into().unwrap()
}

fn result_message(output: Span<i128>) -> ResultMessage {
    ResultMessage {
        request_id: 9,
        node: addr(0x11),
        node_amount: u256 { low: 5, high: 1 },
        model_owner: addr(0x22),
        model_owner_amount: 6,
        protocol_amount: 7,
        output,
    }
}

#[test]
fn request_layout_is_version_kind_then_fields() {
    let message = RequestMessage {
        request_id: 3,
        requester: addr(0xabc),
        model_id: u256 { low: 0x10, high: 0x20 },
        fee: u256 { low: 1000, high: 2 },
        deadline: 1700000600,
        input: array![5, -3, 0].span(),
    };
    let expected: Array<felt252> = array![
        1, 1, 3, 0xabc, 0x10, 0x20, 1000, 2, 1700000600, 3, 5, P_MINUS_ONE - 2, 0,
    ];
    assert(encode_request(@message) == expected, 'request layout');
    assert(MESSAGE_VERSION == 1 && KIND_REQUEST == 1, 'request header');
}

#[test]
fn negative_values_are_p_minus_magnitude() {
    assert(value_to_felt(-1) == P_MINUS_ONE, 'minus one');
    assert(value_to_felt(I128_MIN) == -0x80000000000000000000000000000000, 'i128 min');
    assert(felt_to_value(P_MINUS_ONE - 41) == -42, 'decode -42');
    assert(felt_to_value(value_to_felt(I128_MAX)) == I128_MAX, 'i128 max round trip');
    assert(felt_to_value(value_to_felt(I128_MIN)) == I128_MIN, 'i128 min round trip');
}

#[test]
#[should_panic(expected: ('value out of i128 range',))]
fn value_above_i128_is_rejected() {
    felt_to_value(0x80000000000000000000000000000000);
}

#[test]
fn result_round_trips_with_exact_layout() {
    let message = HubMessage::Result(result_message(array![-7, 8].span()));
    let encoded = encode_hub_message(@message);
    let expected: Array<felt252> = array![
        1, 2, 9, 0x11, 5, 1, 0x22, 6, 0, 7, 0, 2, P_MINUS_ONE - 6, 8,
    ];
    assert(encoded == expected, 'result layout');
    assert(decode_hub_message(encoded.span()) == message, 'result round trip');
    assert(KIND_RESULT == 2 && KIND_EXPIRED == 3, 'hub kinds');
}

#[test]
fn expiry_round_trips() {
    let encoded = encode_hub_message(@HubMessage::Expired(12));
    assert(encoded == array![1, 3, 12], 'expiry layout');
    assert(decode_hub_message(encoded.span()) == HubMessage::Expired(12), 'expiry round trip');
}

#[test]
fn input_hash_commits_to_values_and_order() {
    let a = input_hash(array![1, 2].span());
    assert(a != input_hash(array![2, 1].span()), 'order must matter');
    assert(a != input_hash(array![1, 2, 0].span()), 'length must matter');
    assert(a == core::poseidon::poseidon_hash_span(array![1, 2].span()), 'poseidon of felts');
}

#[test]
#[should_panic(expected: ('unsupported message version',))]
fn unknown_version_is_rejected() {
    decode_hub_message(array![2, 3, 12].span());
}

#[test]
#[should_panic(expected: ('unknown message kind',))]
fn unknown_kind_is_rejected() {
    decode_hub_message(array![1, 1, 12].span());
}

#[test]
#[should_panic(expected: ('trailing message data',))]
fn trailing_data_is_rejected() {
    decode_hub_message(array![1, 3, 12, 0].span());
}

#[test]
#[should_panic(expected: ('message too short',))]
fn truncated_output_is_rejected() {
    // Announces two output values but carries one.
    decode_hub_message(array![1, 2, 9, 0x11, 5, 1, 0x22, 6, 0, 7, 0, 2, 1].span());
}

#[test]
#[should_panic(expected: ('no values',))]
fn empty_output_is_rejected() {
    decode_hub_message(array![1, 2, 9, 0x11, 5, 1, 0x22, 6, 0, 7, 0, 0].span());
}

#[test]
#[should_panic(expected: ('too many values',))]
fn oversized_output_is_rejected() {
    decode_hub_message(array![1, 2, 9, 0x11, 5, 1, 0x22, 6, 0, 7, 0, 257].span());
}

#[test]
#[should_panic(expected: ('u256 low out of range',))]
fn amount_word_above_128_bits_is_rejected() {
    decode_hub_message(array![1, 2, 9, 0x11, 0x100000000000000000000000000000000, 0, 0x22, 6, 0, 7, 0, 1, 1].span());
}

#[test]
#[should_panic(expected: ('u64 out of range',))]
fn request_id_above_u64_is_rejected() {
    decode_hub_message(array![1, 3, 0x10000000000000000].span());
}
