//! The example consumer end to end, through deployed contracts and dispatchers only: ask -> escrow and
//! L2 -> L1 message -> the gateway's answer -> deliver -> stored output; the refund path; a rejected
//! request that moves nothing; and the consumer's own access checks.
use crate::consumers::example_consumer::ExampleConsumer;
use crate::interfaces::consumer::{IInferenceConsumerDispatcher, IInferenceConsumerDispatcherTrait};
use crate::interfaces::erc20::{IERC20Dispatcher, IERC20DispatcherTrait};
use crate::interfaces::example_consumer::{
    IExampleConsumerDispatcher, IExampleConsumerDispatcherTrait, IExampleConsumerSafeDispatcher,
    IExampleConsumerSafeDispatcherTrait,
};
use crate::interfaces::spoke::IZkVinStarknetSpokeDispatcherTrait;
use crate::support::setup::{
    Env, FEE, GATEWAY, MODEL_ID, NOW, TTL, alice, assert_books_balance, bob, deploy, expired_payload,
    fulfil, owner, receive_from_l1, setup, spoke_dispatcher,
};
use crate::support::test_token::TestToken::{ITestTokenDispatcher, ITestTokenDispatcherTrait};
use starknet::testing::{pop_l2_to_l1_message, pop_log, set_contract_address};

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
