//! The L1 handler (results and expiry notices from the gateway), the pull payments it credits,
//! withdrawals, and the local reclaim of requests that never got an answer.
use crate::interfaces::spoke::RequestStatus;
use crate::messages::{HubMessage, ResultMessage, encode_hub_message};
use crate::spoke::ZkVinStarknetSpoke;
use crate::spoke::ZkVinStarknetSpoke::{Credited, Event, SpokeImpl};
use crate::support::setup::{
    Env, FEE, GATEWAY, NOW, TTL, alice, assert_books_balance, balance, bob, drain_events, expired_payload,
    fulfil, model_owner, node, receive_from_l1, request_as, result_payload, setup, spoke_as, token_as,
    treasury, zero,
};
use crate::support::test_token::TestToken::TestTokenImpl;
use starknet::ContractAddress;
use starknet::testing::{pop_log, set_block_timestamp};

const I128_MAX: i128 = 0x7fffffffffffffffffffffffffffffff;
const I128_MIN: i128 = -0x80000000000000000000000000000000;

fn claimable(env: Env, account: ContractAddress) -> u256 {
    SpokeImpl::claimable(@spoke_as(env, zero()), account)
}

fn status(env: Env, request_id: u64) -> RequestStatus {
    SpokeImpl::get_request(@spoke_as(env, zero()), request_id).status
}

fn next_event(env: Env) -> Event {
    pop_log::<Event>(env.spoke).unwrap()
}

fn credited(account: ContractAddress, request_id: u64, amount: u256) -> Event {
    Event::Credited(Credited { account, request_id, amount })
}

#[test]
fn result_stores_output_and_splits_the_fee() {
    let env = setup();
    let id = request_as(env, alice(), array![1, 2].span());
    drain_events(env.spoke);
    fulfil(env, id, array![42, -17, I128_MAX, I128_MIN].span());

    let spoke = spoke_as(env, zero());
    let request = SpokeImpl::get_request(@spoke, id);
    assert(request.status == RequestStatus::Fulfilled, 'fulfilled');
    assert(!request.delivered, 'not delivered yet');
    assert(SpokeImpl::get_output(@spoke, id) == array![42, -17, I128_MAX, I128_MIN].span(), 'output');
    assert(claimable(env, node()) == 600, 'node share');
    assert(claimable(env, model_owner()) == 250, 'model owner share');
    assert(claimable(env, treasury()) == 100, 'protocol share');
    assert(claimable(env, alice()) == 50, 'change to requester');
    let spoke = spoke_as(env, zero());
    assert(SpokeImpl::total_escrowed(@spoke) == 0, 'escrow released');
    assert(SpokeImpl::total_claimable(@spoke) == FEE, 'whole fee credited');
    assert_books_balance(env);

    assert(next_event(env) == credited(node(), id, 600), 'node credited');
    assert(next_event(env) == credited(model_owner(), id, 250), 'owner credited');
    assert(next_event(env) == credited(treasury(), id, 100), 'treasury credited');
    assert(next_event(env) == credited(alice(), id, 50), 'requester credited');
    let fulfilled = Event::InferenceFulfilled(
        ZkVinStarknetSpoke::InferenceFulfilled {
            request_id: id,
            output: array![42, -17, I128_MAX, I128_MIN].span(),
            node: node(),
            node_amount: 600,
            model_owner: model_owner(),
            model_owner_amount: 250,
            protocol_amount: 100,
            refund: 50,
        },
    );
    assert(next_event(env) == fulfilled, 'InferenceFulfilled event');
    assert(pop_log::<Event>(env.spoke).is_none(), 'no other event');
}

#[test]
fn split_of_the_whole_fee_leaves_no_change_and_zero_shares_need_no_payee() {
    let env = setup();
    let id = request_as(env, alice(), array![1].span());
    let message = HubMessage::Result(
        ResultMessage {
            request_id: id,
            node: node(),
            node_amount: FEE,
            model_owner: zero(),
            model_owner_amount: 0,
            protocol_amount: 0,
            output: array![3].span(),
        },
    );
    receive_from_l1(env, GATEWAY, encode_hub_message(@message).span());
    assert(claimable(env, node()) == FEE, 'node gets everything');
    assert(claimable(env, alice()) == 0, 'no change');
    assert(claimable(env, zero()) == 0, 'nothing credited to zero');
    assert_books_balance(env);
}

#[test]
fn expiry_notice_refunds_the_whole_fee() {
    let env = setup();
    let id = request_as(env, alice(), array![1].span());
    drain_events(env.spoke);
    receive_from_l1(env, GATEWAY, expired_payload(id).span());
    assert(status(env, id) == RequestStatus::Expired, 'expired');
    assert(claimable(env, alice()) == FEE, 'refund credited');
    assert(SpokeImpl::get_output(@spoke_as(env, zero()), id).len() == 0, 'no output');
    assert(next_event(env) == credited(alice(), id, FEE), 'refund event');
    let expired = Event::InferenceExpired(
        ZkVinStarknetSpoke::InferenceExpired { request_id: id, requester: alice(), refund: FEE },
    );
    assert(next_event(env) == expired, 'InferenceExpired event');
    assert_books_balance(env);
}

#[test]
#[should_panic(expected: ('unauthorized L1 sender',))]
fn message_from_another_l1_address_is_rejected() {
    let env = setup();
    let id = request_as(env, alice(), array![1].span());
    receive_from_l1(env, GATEWAY + 1, result_payload(id, array![1].span(), 600, 250, 100).span());
}

#[test]
#[should_panic(expected: ('request not pending',))]
fn replayed_result_is_rejected() {
    let env = setup();
    let id = request_as(env, alice(), array![1].span());
    fulfil(env, id, array![1].span());
    fulfil(env, id, array![1].span());
}

#[test]
#[should_panic(expected: ('request not pending',))]
fn expiry_after_result_is_rejected() {
    let env = setup();
    let id = request_as(env, alice(), array![1].span());
    fulfil(env, id, array![1].span());
    receive_from_l1(env, GATEWAY, expired_payload(id).span());
}

#[test]
#[should_panic(expected: ('request not pending',))]
fn result_after_expiry_is_rejected() {
    let env = setup();
    let id = request_as(env, alice(), array![1].span());
    receive_from_l1(env, GATEWAY, expired_payload(id).span());
    fulfil(env, id, array![1].span());
}

#[test]
#[should_panic(expected: ('unknown request',))]
fn result_for_an_unknown_request_is_rejected() {
    let env = setup();
    request_as(env, alice(), array![1].span());
    fulfil(env, 2, array![1].span());
}

#[test]
#[should_panic(expected: ('split exceeds fee',))]
fn split_above_the_fee_is_rejected() {
    let env = setup();
    let id = request_as(env, alice(), array![1].span());
    receive_from_l1(env, GATEWAY, result_payload(id, array![1].span(), 600, 300, 101).span());
}

#[test]
#[should_panic(expected: ('zero node payee',))]
fn paying_a_zero_node_address_is_rejected() {
    let env = setup();
    let id = request_as(env, alice(), array![1].span());
    let message = HubMessage::Result(
        ResultMessage {
            request_id: id,
            node: zero(),
            node_amount: 1,
            model_owner: model_owner(),
            model_owner_amount: 0,
            protocol_amount: 0,
            output: array![3].span(),
        },
    );
    receive_from_l1(env, GATEWAY, encode_hub_message(@message).span());
}

#[test]
#[should_panic(expected: ('unsupported message version',))]
fn message_of_an_unknown_version_is_rejected() {
    let env = setup();
    let id = request_as(env, alice(), array![1].span());
    let mut payload = result_payload(id, array![1].span(), 600, 250, 100);
    let _ = payload.pop_front();
    let mut wrong: Array<felt252> = array![2];
    wrong.append_span(payload.span());
    receive_from_l1(env, GATEWAY, wrong.span());
}

#[test]
fn credited_balances_are_withdrawn_to_any_recipient() {
    let env = setup();
    let id = request_as(env, alice(), array![1].span());
    fulfil(env, id, array![1].span());
    drain_events(env.spoke);
    let mut spoke = spoke_as(env, node());
    assert(SpokeImpl::withdraw(ref spoke, bob()) == 600, 'withdrawn amount');
    assert(balance(env, bob()) == 600, 'recipient paid');
    assert(claimable(env, node()) == 0, 'balance cleared');
    assert(SpokeImpl::total_claimable(@spoke_as(env, zero())) == FEE - 600, 'total reduced');
    let withdrawn = Event::Withdrawn(
        ZkVinStarknetSpoke::Withdrawn { account: node(), recipient: bob(), amount: 600 },
    );
    assert(next_event(env) == withdrawn, 'Withdrawn event');
    assert_books_balance(env);
}

#[test]
#[should_panic(expected: ('nothing to withdraw',))]
fn withdrawing_twice_is_rejected() {
    let env = setup();
    let id = request_as(env, alice(), array![1].span());
    fulfil(env, id, array![1].span());
    let mut spoke = spoke_as(env, node());
    SpokeImpl::withdraw(ref spoke, node());
    SpokeImpl::withdraw(ref spoke, node());
}

#[test]
#[should_panic(expected: ('zero recipient',))]
fn withdrawing_to_zero_is_rejected() {
    let env = setup();
    let id = request_as(env, alice(), array![1].span());
    fulfil(env, id, array![1].span());
    let mut spoke = spoke_as(env, node());
    SpokeImpl::withdraw(ref spoke, zero());
}

#[test]
#[should_panic(expected: ('withdrawal transfer failed',))]
fn withdrawal_the_token_refuses_is_rejected() {
    let env = setup();
    let id = request_as(env, alice(), array![1].span());
    fulfil(env, id, array![1].span());
    let mut token = token_as(env, zero());
    TestTokenImpl::set_fail_transfers(ref token, true);
    let mut spoke = spoke_as(env, node());
    SpokeImpl::withdraw(ref spoke, node());
}

#[test]
fn unanswered_request_is_reclaimed_after_the_delay() {
    let env = setup();
    let id = request_as(env, alice(), array![1].span());
    drain_events(env.spoke);
    // reclaim_delay is 3600 s; the first second after deadline + delay is the first that allows it.
    set_block_timestamp(NOW + TTL + 3601);
    let mut spoke = spoke_as(env, bob());
    assert(SpokeImpl::reclaim(ref spoke, id) == FEE, 'reclaimed amount');
    assert(status(env, id) == RequestStatus::Reclaimed, 'reclaimed');
    assert(claimable(env, alice()) == FEE, 'credited to the requester');
    assert(claimable(env, bob()) == 0, 'not to the caller');
    assert(next_event(env) == credited(alice(), id, FEE), 'refund event');
    let reclaimed = Event::InferenceReclaimed(
        ZkVinStarknetSpoke::InferenceReclaimed { request_id: id, requester: alice(), refund: FEE },
    );
    assert(next_event(env) == reclaimed, 'InferenceReclaimed event');
    assert_books_balance(env);
}

#[test]
#[should_panic(expected: ('request not pending',))]
fn result_after_reclaim_is_refused() {
    let env = setup();
    let id = request_as(env, alice(), array![1].span());
    set_block_timestamp(NOW + TTL + 3601);
    let mut spoke = spoke_as(env, alice());
    SpokeImpl::reclaim(ref spoke, id);
    fulfil(env, id, array![1].span());
}

#[test]
#[should_panic(expected: ('reclaim too early',))]
fn reclaim_before_the_delay_is_rejected() {
    let env = setup();
    let id = request_as(env, alice(), array![1].span());
    set_block_timestamp(NOW + TTL + 3600);
    let mut spoke = spoke_as(env, alice());
    SpokeImpl::reclaim(ref spoke, id);
}

#[test]
#[should_panic(expected: ('request not pending',))]
fn reclaim_of_an_answered_request_is_rejected() {
    let env = setup();
    let id = request_as(env, alice(), array![1].span());
    fulfil(env, id, array![1].span());
    set_block_timestamp(NOW + TTL + 3601);
    let mut spoke = spoke_as(env, alice());
    SpokeImpl::reclaim(ref spoke, id);
}
