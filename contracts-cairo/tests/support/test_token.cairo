//! TestToken: a minimal ERC-20 for the tests (OpenZeppelin Cairo is not available to this toolchain).
//! Anyone may mint; `transfer` and `transfer_from` return false instead of panicking when `fail_transfers`
//! is set, so tests can check that the spoke refuses a token that does not pay.
#[starknet::contract]
pub mod TestToken {
    use crate::interfaces::erc20::IERC20;
    use starknet::storage::{
        Map, StorageMapReadAccess, StorageMapWriteAccess, StoragePointerReadAccess,
        StoragePointerWriteAccess,
    };
    use starknet::{ContractAddress, get_caller_address};

    #[storage]
    struct Storage {
        total_supply: u256,
        balances: Map<ContractAddress, u256>,
        allowances: Map<(ContractAddress, ContractAddress), u256>,
        fail_transfers: bool,
    }

    #[starknet::interface]
    pub trait ITestToken<TContractState> {
        fn mint(ref self: TContractState, to: ContractAddress, amount: u256);
        fn set_fail_transfers(ref self: TContractState, fail: bool);
    }

    #[abi(embed_v0)]
    pub impl TestTokenImpl of ITestToken<ContractState> {
        fn mint(ref self: ContractState, to: ContractAddress, amount: u256) {
            self.balances.write(to, self.balances.read(to) + amount);
            self.total_supply.write(self.total_supply.read() + amount);
        }

        fn set_fail_transfers(ref self: ContractState, fail: bool) {
            self.fail_transfers.write(fail);
        }
    }

    #[abi(embed_v0)]
    pub impl ERC20Impl of IERC20<ContractState> {
        fn total_supply(self: @ContractState) -> u256 {
            self.total_supply.read()
        }

        fn balance_of(self: @ContractState, account: ContractAddress) -> u256 {
            self.balances.read(account)
        }

        fn allowance(self: @ContractState, owner: ContractAddress, spender: ContractAddress) -> u256 {
            self.allowances.read((owner, spender))
        }

        fn transfer(ref self: ContractState, recipient: ContractAddress, amount: u256) -> bool {
            if self.fail_transfers.read() {
                return false;
            }
            self.move_balance(get_caller_address(), recipient, amount);
            true
        }

        fn transfer_from(
            ref self: ContractState, sender: ContractAddress, recipient: ContractAddress, amount: u256,
        ) -> bool {
            if self.fail_transfers.read() {
                return false;
            }
            let spender = get_caller_address();
            let allowed = self.allowances.read((sender, spender));
            assert(allowed >= amount, 'ERC20: insufficient allowance');
            self.allowances.write((sender, spender), allowed - amount);
            self.move_balance(sender, recipient, amount);
            true
        }

        fn approve(ref self: ContractState, spender: ContractAddress, amount: u256) -> bool {
            self.allowances.write((get_caller_address(), spender), amount);
            true
        }
    }

    #[generate_trait]
    impl InternalImpl of InternalTrait {
        fn move_balance(ref self: ContractState, from: ContractAddress, to: ContractAddress, amount: u256) {
            let balance = self.balances.read(from);
            assert(balance >= amount, 'ERC20: insufficient balance');
            self.balances.write(from, balance - amount);
            self.balances.write(to, self.balances.read(to) + amount);
        }
    }
}
