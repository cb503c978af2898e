//! deliver: handing stored results to consumers, a failing consumer that is retried, and the example
//! consumer end to end through deployed contracts and dispatchers only (ask -> L2 -> L1 message ->
//! gateway's answer -> deliver -> stored output; and the refund path).
use crate::consumers::example_consumer::ExampleConsumer;
use crate::interfaces::consumer::{IInferenceConsumerDispatcher, IInferenceConsumerDispatcherTrait};
use crate::interfaces::erc20::{IERC20Dispatcher, IERC20DispatcherTrait};
use crate::interfaces::example_consumer::{
    IExampleConsumerDispatcher, IExampleConsumerDispatcherTrait, IExampleConsumerSafeDispatcher,
    IExampleConsumerSafeDispatcherTrait,
};
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
    Env, FEE, GATEWAY, MODEL_ID, NOW, TTL, alice, assert_books_balance, bob, deploy, drain_events,
    expired_payload, fulfil, owner, receive_from_l1, request_as, setup, spoke_as, spoke_dispatcher,
    zero,
};
use crate::support::test_token::TestToken::{ITestTokenDispatcher, ITestTokenDispatcherTrait};
use starknet::testing::{pop_l2_to_l1_message, pop_log, set_contract_address};

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

/// The example consumer, owned by `owner()`, funded with `amount` of the fee token.
fn deploy_example(env: Env, amount: u256) -> IExampleConsumerDispatcher {
    let mut calldata: Array<felt252> = array![];
    Serde::serialize(@owner(), ref calldata);
    Serde::serialize(@env.spoke, ref calldata);
    let consumer = deploy(ExampleConsumer::TEST_CLASS_HASH, 4, calldata.span());
    ITestTokenDispatcher { contract_address: env.token }.mint(consumer, amount);
    IExampleConsumerDispatcher { contract_address: consumer }
}

fn token(env: Env) -> IERC20Dispatcher {
    IERC20Dispatcher { contract_address: env.token }
}

#[test]
fn example_consumer_asks_and_receives_its_output() {
    let env = setup();
    let consumer = deploy_example(env, FEE);
    set_contract_address(owner());
    let id = consumer.ask(MODEL_ID, array![3, -4].span(), FEE, NOW + TTL);
    assert(id == 1, 'request id');
    assert(token(env).balance_of(consumer.contract_address) == 0, 'fee paid');
    assert(token(env).balance_of(env.spoke) == FEE, 'fee escrowed');
    let (to_address, payload) = pop_l2_to_l1_message(env.spoke).unwrap();
    assert(to_address == GATEWAY, 'to the gateway');
    assert(*payload.at(3) == consumer.contract_address.into(), 'consumer is the requester');

    fulfil(env, id, array![123, -45].span());
    set_contract_address(bob());
    spoke_dispatcher(env).deliver(id);
    assert(consumer.is_answered(id), 'answered');
    assert(consumer.output_of(id) == array![123, -45].span(), 'stored output');
    let answered = ExampleConsumer::Event::InferenceAnswered(
        ExampleConsumer::InferenceAnswered { request_id: id, model_id: MODEL_ID, output: array![123, -45].span() },
    );
    let _asked = pop_log::<ExampleConsumer::Event>(consumer.contract_address).unwrap();
    assert(pop_log::<ExampleConsumer::Event>(consumer.contract_address).unwrap() == answered, 'answered event');
    assert_books_balance(env);
}

#[test]
fn example_consumer_recovers_the_refund_of_an_expired_request() {
    let env = setup();
    let consumer = deploy_example(env, FEE);
    set_contract_address(owner());
    let id = consumer.ask(MODEL_ID, array![1].span(), FEE, NOW + TTL);
    receive_from_l1(env, GATEWAY, expired_payload(id).span());
    set_contract_address(owner());
    assert(consumer.withdraw_from_spoke(alice()) == FEE, 'refund withdrawn');
    assert(token(env).balance_of(alice()) == FEE, 'refund received');
    assert(!consumer.is_answered(id), 'never answered');
    assert_books_balance(env);
}

#[test]
fn a_rejected_request_through_deployed_contracts_moves_nothing() {
    let env = setup();
    let consumer = deploy_example(env, FEE);
    set_contract_address(owner());
    let safe = IExampleConsumerSafeDispatcher { contract_address: consumer.contract_address };
    match safe.ask(MODEL_ID, array![1].span(), 99, NOW + TTL) {
        Result::Ok(_) => panic_with_felt252('ask should have failed'),
        Result::Err(panic_data) => assert(*panic_data.at(0) == 'fee below minimum', 'rejection reason'),
    }
    assert(token(env).balance_of(consumer.contract_address) == FEE, 'tokens stay with consumer');
    assert(token(env).allowance(consumer.contract_address, env.spoke) == 0, 'no allowance left');
    assert(spoke_dispatcher(env).next_request_id() == 1, 'no id used');
    assert(spoke_dispatcher(env).total_escrowed() == 0, 'nothing escrowed');
    assert(pop_l2_to_l1_message(env.spoke).is_none(), 'no message');
}

#[test]
#[should_panic(expected: ('caller is not the spoke', 'ENTRYPOINT_FAILED'))]
fn example_consumer_accepts_results_only_from_the_spoke() {
    let env = setup();
    let consumer = deploy_example(env, FEE);
    set_contract_address(bob());
    IInferenceConsumerDispatcher { contract_address: consumer.contract_address }
        .on_inference_result(1, MODEL_ID, array![1].span());
}

#[test]
#[should_panic(expected: ('caller is not the owner', 'ENTRYPOINT_FAILED'))]
fn only_the_owner_spends_the_example_consumers_balance() {
    let env = setup();
    let consumer = deploy_example(env, FEE);
    set_contract_address(bob());
    consumer.ask(MODEL_ID, array![1].span(), FEE, NOW + TTL);
}
