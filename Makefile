# The two commands of the README, plus the pieces they are made of.
# Every target works on a fresh machine with only the Rust toolchain:
# tests/rig/install.sh installs whatever else the tests need.

.PHONY: demo test rig lint unit bench

demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh

# Install the real services and linters the tests use (idempotent).
rig:
	bash tests/rig/install.sh

bench:
	bash bench/run.sh

bench-patch: ; bash bench/patch.sh

bench-gitops: ; bash bench/gitops.sh

bench-canary: ; cargo bench -p gantry-e2e --bench canary

bench-rollback: ; cargo build --release -p gantry-rollback && cargo bench -p gantry-e2e --bench rollback
