//! request_inference (the escrow, the stored request, the L2 -> L1 message and the event, the limits,
//! every rejection) and the owner's controls over it: constructor checks, pause, gateway, treasury,
//! limits, ownership.
use crate::interfaces::spoke::{InferenceRequest, RequestStatus, SpokeLimits};
use crate::messages::input_hash;
use crate::spoke::ZkVinStarknetSpoke;
use crate::spoke::ZkVinStarknetSpoke::{AdminImpl, SpokeImpl};
use crate::support::setup::{
    FEE, GATEWAY, MODEL_ID, NOW, TTL, alice, assert_books_balance, balance, bob, drain_events, fulfil,
    fund, gateway, limits, node, owner, receive_from_l1, request_as, result_payload, setup, spoke_as,
    spoke_calldata, token_as, treasury, zero,
};
use starknet::syscalls::deploy_syscall;
use starknet::testing::set_block_timestamp;
use starknet::{ContractAddress, EthAddress};
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

fn deploy_error(fee_token: ContractAddress, limits: SpokeLimits) -> felt252 {
    let calldata = spoke_calldata(fee_token, limits);
    let class_hash = ZkVinStarknetSpoke::TEST_CLASS_HASH.try_into().unwrap();
    match deploy_syscall(class_hash, 9, calldata.span(), false) {
        Result::Ok(_) => 'deploy succeeded',
        Result::Err(panic_data) => *panic_data.at(0),
    }
}

#[test]
fn constructor_stores_the_configuration() {
    let env = setup();
    let spoke = spoke_as(env, zero());
    assert(AdminImpl::owner(@spoke) == owner(), 'owner');
    assert(!AdminImpl::is_paused(@spoke), 'not paused');
    assert(SpokeImpl::fee_token(@spoke) == env.token, 'fee token');
    assert(SpokeImpl::l1_gateway(@spoke) == gateway(), 'gateway');
    assert(SpokeImpl::treasury(@spoke) == treasury(), 'treasury');
    assert(SpokeImpl::limits(@spoke) == limits(), 'limits');
    assert(SpokeImpl::next_request_id(@spoke) == 1, 'ids start at 1');
}

#[test]
fn constructor_rejects_a_bad_configuration() {
    let env = setup();
    assert(deploy_error(zero(), limits()) == 'zero fee token', 'zero fee token');
    let mut bad = limits();
    bad.min_ttl = bad.max_ttl + 1;
    assert(deploy_error(env.token, bad) == 'min ttl above max ttl', 'ttl order');
    let mut bad = limits();
    bad.min_fee = 0;
    assert(deploy_error(env.token, bad) == 'min fee is zero', 'zero min fee');
}

#[test]
#[should_panic(expected: ('caller is not the owner',))]
fn only_the_owner_pauses() {
    let env = setup();
    let mut spoke = spoke_as(env, alice());
    AdminImpl::pause(ref spoke);
}

#[test]
#[should_panic(expected: ('spoke is not paused',))]
fn unpausing_a_running_spoke_is_rejected() {
    let env = setup();
    let mut spoke = spoke_as(env, owner());
    AdminImpl::unpause(ref spoke);
}

#[test]
fn pause_leaves_results_refunds_and_withdrawals_working() {
    let env = setup();
    let id = request_as(env, alice(), array![1].span());
    let mut spoke = spoke_as(env, owner());
    AdminImpl::pause(ref spoke);
    fulfil(env, id, array![9].span());
    let mut spoke = spoke_as(env, node());
    assert(SpokeImpl::withdraw(ref spoke, node()) == 600, 'node paid while paused');
    assert(balance(env, node()) == 600, 'tokens moved');
    assert_books_balance(env);
}

#[test]
fn a_new_gateway_takes_over_both_directions() {
    let env = setup();
    let new_gateway: EthAddress = 0xabcdef.try_into().unwrap();
    let mut spoke = spoke_as(env, owner());
    AdminImpl::set_l1_gateway(ref spoke, new_gateway);
    let updated = ZkVinStarknetSpoke::Event::L1GatewayUpdated(
        ZkVinStarknetSpoke::L1GatewayUpdated { previous: gateway(), current: new_gateway },
    );
    assert(pop_log::<ZkVinStarknetSpoke::Event>(env.spoke).unwrap() == updated, 'L1GatewayUpdated event');
    let id = request_as(env, alice(), array![1].span());
    let (to_address, _) = pop_l2_to_l1_message(env.spoke).unwrap();
    assert(to_address == 0xabcdef, 'requests go to the new gateway');
    receive_from_l1(env, 0xabcdef, result_payload(id, array![1].span(), 600, 250, 100).span());
    assert(SpokeImpl::get_request(@spoke_as(env, zero()), id).status == RequestStatus::Fulfilled, 'accepted');
}

#[test]
#[should_panic(expected: ('unauthorized L1 sender',))]
fn the_old_gateway_is_refused_after_a_change() {
    let env = setup();
    let id = request_as(env, alice(), array![1].span());
    let mut spoke = spoke_as(env, owner());
    AdminImpl::set_l1_gateway(ref spoke, 0xabcdef.try_into().unwrap());
    fulfil(env, id, array![1].span());
}

#[test]
fn the_protocol_share_goes_to_the_current_treasury() {
    let env = setup();
    let id = request_as(env, alice(), array![1].span());
    let mut spoke = spoke_as(env, owner());
    AdminImpl::set_treasury(ref spoke, bob());
    fulfil(env, id, array![1].span());
    let spoke = spoke_as(env, zero());
    assert(SpokeImpl::claimable(@spoke, bob()) == 100, 'new treasury credited');
    assert(SpokeImpl::claimable(@spoke, treasury()) == 0, 'old treasury not');
}

#[test]
fn new_limits_apply_to_new_requests() {
    let env = setup();
    let updated = SpokeLimits { min_fee: 500, min_ttl: 120, max_ttl: 7200, reclaim_delay: 7200 };
    let mut spoke = spoke_as(env, owner());
    AdminImpl::set_limits(ref spoke, updated);
    assert(SpokeImpl::limits(@spoke) == updated, 'limits stored');
    let event = ZkVinStarknetSpoke::Event::LimitsUpdated(ZkVinStarknetSpoke::LimitsUpdated { limits: updated });
    assert(pop_log::<ZkVinStarknetSpoke::Event>(env.spoke).unwrap() == event, 'LimitsUpdated event');
    fund(env, alice(), 500);
    let mut spoke = spoke_as(env, alice());
    SpokeImpl::request_inference(ref spoke, MODEL_ID, array![1].span(), 500, NOW + 7200);
    // The reclaim delay is read when reclaiming: 7200 s after the deadline, not 3600.
    set_block_timestamp(NOW + 7200 + 7201);
    assert(SpokeImpl::reclaim(ref spoke, 1) == 500, 'reclaimed under new delay');
}

#[test]
#[should_panic(expected: ('reclaim delay too short',))]
fn limits_outside_their_bounds_are_rejected() {
    let env = setup();
    let mut spoke = spoke_as(env, owner());
    AdminImpl::set_limits(ref spoke, SpokeLimits { min_fee: 1, min_ttl: 1, max_ttl: 2, reclaim_delay: 3599 });
}

#[test]
#[should_panic(expected: ('max ttl above cap',))]
fn a_deadline_window_above_thirty_days_is_rejected() {
    let env = setup();
    let mut spoke = spoke_as(env, owner());
    AdminImpl::set_limits(ref spoke, SpokeLimits { min_fee: 1, min_ttl: 1, max_ttl: 2592001, reclaim_delay: 3600 });
}

#[test]
fn ownership_moves_to_the_new_owner() {
    let env = setup();
    let mut spoke = spoke_as(env, owner());
    AdminImpl::transfer_ownership(ref spoke, bob());
    assert(AdminImpl::owner(@spoke) == bob(), 'new owner');
    let mut spoke = spoke_as(env, bob());
    AdminImpl::pause(ref spoke);
    assert(AdminImpl::is_paused(@spoke), 'new owner paused');
}

#[test]
#[should_panic(expected: ('caller is not the owner',))]
fn the_previous_owner_loses_control() {
    let env = setup();
    let mut spoke = spoke_as(env, owner());
    AdminImpl::transfer_ownership(ref spoke, bob());
    AdminImpl::set_treasury(ref spoke, alice());
}
