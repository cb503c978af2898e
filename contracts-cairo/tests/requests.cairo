//! request_inference: the escrow, the stored request, the L2 -> L1 message and the event, the limits,
//! and every rejection.
use crate::interfaces::spoke::{InferenceRequest, RequestStatus};
use crate::messages::input_hash;
use crate::spoke::ZkVinStarknetSpoke;
use crate::spoke::ZkVinStarknetSpoke::{AdminImpl, SpokeImpl};
use crate::support::setup::{
    FEE, GATEWAY, MODEL_ID, NOW, TTL, alice, assert_books_balance, balance, bob, drain_events, fund,
    owner, request_as, setup, spoke_as, token_as,
};
use crate::support::test_token::TestToken::{ERC20Impl, TestTokenImpl};
use starknet::testing::{pop_l2_to_l1_message, pop_log};

const P_MINUS_ONE: felt252 = -1;

fn values(count: u32) -> Span<i128> {
    let mut out: Array<i128> = array![];
    let mut i: u32 = 0;
    while i < count {
        out.append(i.into());
        i += 1;
    };
    out.span()
}

#[test]
fn request_escrows_fee_stores_request_and_messages_l1() {
    let env = setup();
    drain_events(env.spoke);
    let input = array![5, -3, 0].span();
    let id = request_as(env, alice(), input);

    assert(id == 1, 'first id');
    assert(balance(env, alice()) == 0, 'fee left requester');
    assert(balance(env, env.spoke) == FEE, 'fee held by spoke');
    let spoke = spoke_as(env, alice());
    assert(SpokeImpl::next_request_id(@spoke) == 2, 'next id');
    assert(SpokeImpl::total_escrowed(@spoke) == FEE, 'escrow total');
    let expected_request = InferenceRequest {
        requester: alice(),
        model_id: MODEL_ID,
        fee: FEE,
        deadline: NOW + TTL,
        created_at: NOW,
        input_hash: input_hash(input),
        status: RequestStatus::Pending,
        delivered: false,
    };
    assert(SpokeImpl::get_request(@spoke, id) == expected_request, 'stored request');
    assert_books_balance(env);

    let (to_address, payload) = pop_l2_to_l1_message(env.spoke).unwrap();
    assert(to_address == GATEWAY, 'message goes to the gateway');
    let expected_payload: Array<felt252> = array![
        1, 1, 1, alice().into(), 7, 0, 1000, 0, (NOW + TTL).into(), 3, 5, P_MINUS_ONE - 2, 0,
    ];
    assert(payload == expected_payload.span(), 'message payload');
    assert(pop_l2_to_l1_message(env.spoke).is_none(), 'exactly one message');

    let event = pop_log::<ZkVinStarknetSpoke::Event>(env.spoke).unwrap();
    let expected_event = ZkVinStarknetSpoke::Event::InferenceRequested(
        ZkVinStarknetSpoke::InferenceRequested {
            request_id: 1,
            requester: alice(),
            model_id: MODEL_ID,
            fee: FEE,
            deadline: NOW + TTL,
            input,
            input_hash: input_hash(input),
        },
    );
    assert(event == expected_event, 'InferenceRequested event');
    assert(pop_log::<ZkVinStarknetSpoke::Event>(env.spoke).is_none(), 'exactly one event');
}

#[test]
fn ids_increase_per_request_and_messages_carry_them() {
    let env = setup();
    let first = request_as(env, alice(), array![1].span());
    let second = request_as(env, bob(), array![2].span());
    assert(first == 1 && second == 2, 'ids');
    let (_, payload_1) = pop_l2_to_l1_message(env.spoke).unwrap();
    let (_, payload_2) = pop_l2_to_l1_message(env.spoke).unwrap();
    assert(*payload_1.at(2) == 1 && *payload_2.at(2) == 2, 'request ids in messages');
    assert(*payload_2.at(3) == bob().into(), 'second requester');
    let spoke = spoke_as(env, alice());
    assert(SpokeImpl::get_request(@spoke, 2).requester == bob(), 'stored requester');
    assert(SpokeImpl::total_escrowed(@spoke) == 2 * FEE, 'both fees escrowed');
    assert_books_balance(env);
}

#[test]
fn limits_are_inclusive() {
    let env = setup();
    fund(env, alice(), 3 * 100);
    let mut spoke = spoke_as(env, alice());
    // Smallest fee, shortest and longest deadline, most values: all accepted.
    SpokeImpl::request_inference(ref spoke, MODEL_ID, values(256), 100, NOW + 60);
    SpokeImpl::request_inference(ref spoke, MODEL_ID, array![1].span(), 100, NOW + 86400);
    SpokeImpl::request_inference(ref spoke, MODEL_ID, array![-1].span(), 100, NOW + 60);
    assert(SpokeImpl::next_request_id(@spoke) == 4, 'three requests');
    assert(SpokeImpl::total_escrowed(@spoke) == 300, 'three fees');
    let (_, payload) = pop_l2_to_l1_message(env.spoke).unwrap();
    assert(payload.len() == 10 + 256, '256 values in the message');
    assert(*payload.at(10 + 255) == 255, 'last value');
}

#[test]
#[should_panic(expected: ('empty input',))]
fn empty_input_is_rejected() {
    let env = setup();
    fund(env, alice(), FEE);
    let mut spoke = spoke_as(env, alice());
    SpokeImpl::request_inference(ref spoke, MODEL_ID, array![].span(), FEE, NOW + TTL);
}

#[test]
#[should_panic(expected: ('input too long',))]
fn oversized_input_is_rejected() {
    let env = setup();
    fund(env, alice(), FEE);
    let mut spoke = spoke_as(env, alice());
    SpokeImpl::request_inference(ref spoke, MODEL_ID, values(257), FEE, NOW + TTL);
}

#[test]
#[should_panic(expected: ('fee below minimum',))]
fn fee_below_minimum_is_rejected() {
    let env = setup();
    fund(env, alice(), FEE);
    let mut spoke = spoke_as(env, alice());
    SpokeImpl::request_inference(ref spoke, MODEL_ID, array![1].span(), 99, NOW + TTL);
}

#[test]
#[should_panic(expected: ('deadline too soon',))]
fn deadline_too_soon_is_rejected() {
    let env = setup();
    fund(env, alice(), FEE);
    let mut spoke = spoke_as(env, alice());
    SpokeImpl::request_inference(ref spoke, MODEL_ID, array![1].span(), FEE, NOW + 59);
}

#[test]
#[should_panic(expected: ('deadline too far',))]
fn deadline_too_far_is_rejected() {
    let env = setup();
    fund(env, alice(), FEE);
    let mut spoke = spoke_as(env, alice());
    SpokeImpl::request_inference(ref spoke, MODEL_ID, array![1].span(), FEE, NOW + 86401);
}

#[test]
#[should_panic(expected: ('spoke is paused',))]
fn paused_spoke_refuses_requests() {
    let env = setup();
    let mut spoke = spoke_as(env, owner());
    AdminImpl::pause(ref spoke);
    request_as(env, alice(), array![1].span());
}

#[test]
fn unpaused_spoke_accepts_requests_again() {
    let env = setup();
    let mut spoke = spoke_as(env, owner());
    AdminImpl::pause(ref spoke);
    AdminImpl::unpause(ref spoke);
    assert(request_as(env, alice(), array![1].span()) == 1, 'accepted again');
}

#[test]
#[should_panic(expected: ('ERC20: insufficient allowance', 'ENTRYPOINT_FAILED'))]
fn missing_allowance_is_rejected() {
    let env = setup();
    let mut token = token_as(env, alice());
    TestTokenImpl::mint(ref token, alice(), FEE);
    let mut spoke = spoke_as(env, alice());
    SpokeImpl::request_inference(ref spoke, MODEL_ID, array![1].span(), FEE, NOW + TTL);
}

#[test]
#[should_panic(expected: ('fee transfer failed',))]
fn token_that_does_not_pay_is_rejected() {
    let env = setup();
    fund(env, alice(), FEE);
    let mut token = token_as(env, alice());
    TestTokenImpl::set_fail_transfers(ref token, true);
    assert(ERC20Impl::allowance(@token, alice(), env.spoke) == FEE, 'allowance set');
    request_as(env, alice(), array![1].span());
}
