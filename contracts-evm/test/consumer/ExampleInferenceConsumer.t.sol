// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ExampleInferenceConsumer} from "../../src/consumer/ExampleInferenceConsumer.sol";
import {InferenceConsumerBase} from "../../src/consumer/InferenceConsumerBase.sol";
import {DeliveryStatus} from "../../src/interfaces/IInferenceMarket.sol";
import {HubTestBase} from "../utils/HubTestBase.sol";

contract ExampleInferenceConsumerTest is HubTestBase {
    uint256 internal modelId;
    ExampleInferenceConsumer internal consumer;

    function setUp() public override {
        super.setUp();
        modelId = _registerModel(_layout(1, 3, 2));
        _registerNode(nodeA, modelId, 1000);
        _nextEpoch();
        consumer = new ExampleInferenceConsumer(market, modelId, 300_000);
    }

    function test_askAndReceive() public {
        int256[] memory input = _input(3, 1);
        uint256 price = market.quote(modelId, consumer.CALLBACK_GAS_LIMIT()).total;
        vm.deal(requester, price);
        vm.expectEmit(address(consumer));
        emit ExampleInferenceConsumer.Asked(1, requester);
        vm.prank(requester);
        uint256 id = consumer.ask{value: price}(input);
        assertFalse(consumer.answered(id));
        assertEq(market.request(id).requester, address(consumer));

        int256[] memory output = _input(2, 9);
        vm.expectEmit(address(consumer));
        emit ExampleInferenceConsumer.Answered(id, output);
        _fulfil(id, modelId, input, output);
        assertTrue(consumer.answered(id));
        assertEq(consumer.result(id), output);
        assertEq(uint8(market.request(id).delivery), uint8(DeliveryStatus.Delivered));
    }

    function test_onlyTheMarketMayAnswer() public {
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(InferenceConsumerBase.OnlyMarket.selector, requester));
        consumer.onInferenceResult(1, modelId, new int256[](2));
    }
}
