//! deliver: handing stored results to the requester once, and a failing consumer that loses nothing and
//! is retried.
use crate::interfaces::spoke::{
    IZkVinStarknetSpokeDispatcherTrait, IZkVinStarknetSpokeSafeDispatcher,
    IZkVinStarknetSpokeSafeDispatcherTrait, RequestStatus,
};
use crate::spoke::ZkVinStarknetSpoke::{Event, ResultDelivered, SpokeImpl};
use crate::support::flaky_consumer::FlakyConsumer;
use crate::support::flaky_consumer::FlakyConsumer::{
    IFlakyConsumerDispatcher, IFlakyConsumerDispatcherTrait,
};
use crate::support::setup::{
    Env, GATEWAY, alice, bob, deploy, drain_events, expired_payload, fulfil, receive_from_l1, request_as,
    setup, spoke_as, spoke_dispatcher, zero,
};
use starknet::testing::{pop_log, set_contract_address};

fn deploy_flaky() -> IFlakyConsumerDispatcher {
    IFlakyConsumerDispatcher { contract_address: deploy(FlakyConsumer::TEST_CLASS_HASH, 3, array![].span()) }
}

/// A fulfilled request whose requester is a FlakyConsumer.
fn answered_flaky_request(env: Env, output: Span<i128>) -> (IFlakyConsumerDispatcher, u64) {
    let consumer = deploy_flaky();
    let id = request_as(env, consumer.contract_address, array![1, 2].span());
    fulfil(env, id, output);
    (consumer, id)
}

#[test]
fn anyone_delivers_a_result_to_the_requester_once() {
    let env = setup();
    let (consumer, id) = answered_flaky_request(env, array![40, -2].span());
    drain_events(env.spoke);
    let mut spoke = spoke_as(env, bob());
    SpokeImpl::deliver(ref spoke, id);
    assert(consumer.calls() == 1, 'consumer called');
    assert(consumer.last_request_id() == id, 'request id passed');
    assert(consumer.last_output_sum() == 38, 'output passed');
    assert(SpokeImpl::get_request(@spoke_as(env, zero()), id).delivered, 'marked delivered');
    let delivered = Event::ResultDelivered(ResultDelivered { request_id: id, consumer: consumer.contract_address });
    assert(pop_log::<Event>(env.spoke).unwrap() == delivered, 'ResultDelivered event');
}

#[test]
#[should_panic(expected: ('result already delivered',))]
fn a_result_is_delivered_only_once() {
    let env = setup();
    let (_, id) = answered_flaky_request(env, array![1].span());
    let mut spoke = spoke_as(env, bob());
    SpokeImpl::deliver(ref spoke, id);
    SpokeImpl::deliver(ref spoke, id);
}

#[test]
#[should_panic(expected: ('no result to deliver',))]
fn nothing_is_delivered_before_the_result() {
    let env = setup();
    let id = request_as(env, alice(), array![1].span());
    let mut spoke = spoke_as(env, bob());
    SpokeImpl::deliver(ref spoke, id);
}

#[test]
#[should_panic(expected: ('no result to deliver',))]
fn an_expired_request_has_nothing_to_deliver() {
    let env = setup();
    let id = request_as(env, alice(), array![1].span());
    receive_from_l1(env, GATEWAY, expired_payload(id).span());
    let mut spoke = spoke_as(env, bob());
    SpokeImpl::deliver(ref spoke, id);
}

#[test]
fn a_failing_consumer_loses_nothing_and_delivery_is_retried() {
    let env = setup();
    let (consumer, id) = answered_flaky_request(env, array![5, 6].span());
    consumer.set_failing(true);
    set_contract_address(bob());
    let safe = IZkVinStarknetSpokeSafeDispatcher { contract_address: env.spoke };
    match safe.deliver(id) {
        Result::Ok(_) => panic_with_felt252('delivery should have failed'),
        Result::Err(panic_data) => assert(*panic_data.at(0) == 'consumer is failing', 'consumer panic'),
    }
    // The failed delivery changed nothing: the result, the settlement and the retry are intact.
    let spoke = spoke_dispatcher(env);
    let request = spoke.get_request(id);
    assert(request.status == RequestStatus::Fulfilled, 'still fulfilled');
    assert(!request.delivered, 'not marked delivered');
    assert(spoke.get_output(id) == array![5, 6].span(), 'output kept');
    assert(spoke.claimable(consumer.contract_address) == 50, 'change kept');
    assert(consumer.calls() == 0, 'no call recorded');

    consumer.set_failing(false);
    set_contract_address(bob());
    spoke.deliver(id);
    assert(consumer.calls() == 1, 'delivered on retry');
    assert(consumer.last_output_sum() == 11, 'retried output');
    assert(spoke.get_request(id).delivered, 'marked delivered');
}

