"""zk-VIN prover, Python side: EZKL pipeline (compile, setup, witness, prove, verify, EVM artifacts),
benchmark model export, development/production SRS handling and the long-lived proving process that
the TypeScript workers drive. EZKL stays behind this package; nothing else imports it."""

__version__ = "0.1.0"
