// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {Fees, IInferenceMarket, RequestStatus} from "../../interfaces/IInferenceMarket.sol";
import {FailureReason, IInferenceFailureHandler} from "../../spoke/IInferenceFailureHandler.sol";
import {IInferenceOracle} from "../../spoke/IInferenceOracle.sol";
import {IInferenceConsumer} from "../IInferenceConsumer.sol";

/// @title OracleConsumerBase
/// @notice Base of the example consumers: asks one oracle for inferences, either the hub's InferenceMarket
/// (on the hub chain) or a ZkVinSpoke (on any other chain), and accepts results only from it. Whoever pays
/// for a request gets back what the oracle returns for it: the excess a spoke sends back at once, the
/// refund of a failed spoke request (IInferenceFailureHandler), or the refund the market credits for an
/// expired hub request (`claimMarketRefund`). Those sums are owed here and withdrawn with `withdrawRefund`.
abstract contract OracleConsumerBase is IInferenceConsumer, IInferenceFailureHandler {
    /// @notice The market or spoke this consumer asks.
    IInferenceOracle public immutable ORACLE;
    /// @notice True when ORACLE is the hub's InferenceMarket, false for a spoke.
    bool public immutable ORACLE_IS_MARKET;

    /// @notice Who paid for each request still waiting for its answer.
    mapping(uint256 requestId => address payer) public payerOf;
    /// @notice Refunds owed to payers.
    mapping(address payer => uint256) public refundOf;
    /// @notice Sum of refundOf; this contract's balance never falls below it.
    uint256 public totalRefundsOwed;

    event RefundOwed(uint256 indexed requestId, address indexed payer, uint256 amount);
    event RefundWithdrawn(address indexed payer, address indexed to, uint256 amount);

    error OnlyOracle(address caller);
    error NotAMarketConsumer();
    error NotRefunded(uint256 requestId);
    error NothingToWithdraw(address payer);
    error TransferFailed(address to, uint256 amount);

    modifier onlyOracle() {
        if (msg.sender != address(ORACLE)) revert OnlyOracle(msg.sender);
        _;
    }

    /// @param oracle The InferenceMarket (hub chain) or a ZkVinSpoke.
    /// @param oracleIsMarket Whether `oracle` is the market.
    constructor(IInferenceOracle oracle, bool oracleIsMarket) {
        ORACLE = oracle;
        ORACLE_IS_MARKET = oracleIsMarket;
    }

    /// @notice Accepts what the oracle sends back (a spoke's excess, a market withdrawal); nobody else pays in.
    receive() external payable onlyOracle {}

    /// @inheritdoc IInferenceConsumer
    function onInferenceResult(uint256 requestId, uint256 modelId, int256[] calldata output) external onlyOracle {
        delete payerOf[requestId];
        _onResult(requestId, modelId, output);
    }

    /// @inheritdoc IInferenceFailureHandler
    function onInferenceFailed(uint256 requestId, uint256 modelId, FailureReason reason) external payable onlyOracle {
        address payer = payerOf[requestId];
        delete payerOf[requestId];
        _owe(requestId, payer, msg.value);
        _onFailure(requestId, modelId, reason);
    }

    /// @notice Collects the refund the market credited for expired hub request `requestId` and owes it to the
    /// request's payer (hub-chain consumers only; spokes send refunds with `onInferenceFailed`).
    function claimMarketRefund(uint256 requestId) external {
        if (!ORACLE_IS_MARKET) revert NotAMarketConsumer();
        IInferenceMarket market = IInferenceMarket(address(ORACLE));
        address payer = payerOf[requestId];
        if (payer == address(0) || market.request(requestId).status != RequestStatus.Refunded) {
            revert NotRefunded(requestId);
        }
        delete payerOf[requestId];
        Fees memory f = market.requestFees(requestId);
        // The market pays out everything credited to this contract at once; the part for other requests
        // stays here until they are claimed.
        if (market.claimable(address(this)) != 0) market.withdraw(payable(address(this)));
        // What the market refunded: the fee parts and the callback fee (these consumers make no commitment
        // requests, so no bond is involved).
        _owe(requestId, payer, f.nodeFee + f.royalty + f.protocolFee + f.callbackFee);
        _onFailure(requestId, market.request(requestId).modelId, FailureReason.Expired);
    }

    /// @notice Sends the caller's owed refunds to `to`.
    function withdrawRefund(address payable to) external {
        uint256 amount = refundOf[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        refundOf[msg.sender] = 0;
        totalRefundsOwed -= amount;
        emit RefundWithdrawn(msg.sender, to, amount);
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IInferenceFailureHandler).interfaceId || interfaceId == type(IERC165).interfaceId
            || interfaceId == type(IInferenceConsumer).interfaceId;
    }

    /// @dev Asks the oracle with the caller's payment; whatever the oracle sends back at once is owed to the
    /// caller.
    function _ask(uint256 modelId, int256[] calldata input, uint32 callbackGasLimit)
        internal
        returns (uint256 requestId)
    {
        uint256 before = address(this).balance - msg.value;
        requestId = ORACLE.requestInference{value: msg.value}(modelId, input, callbackGasLimit);
        payerOf[requestId] = msg.sender;
        uint256 returned = address(this).balance - before;
        _owe(requestId, msg.sender, returned);
    }

    function _owe(uint256 requestId, address payer, uint256 amount) private {
        if (amount == 0) return;
        refundOf[payer] += amount;
        totalRefundsOwed += amount;
        emit RefundOwed(requestId, payer, amount);
    }

    /// @dev A verified result for `requestId`.
    function _onResult(uint256 requestId, uint256 modelId, int256[] calldata output) internal virtual;

    /// @dev `requestId` failed (expired or rejected); its payer has been refunded.
    function _onFailure(uint256 requestId, uint256 modelId, FailureReason reason) internal virtual;
}
