# The two commands of the README, plus the pieces they are made of.
# Every target works on a fresh machine with only the Rust toolchain:
# tests/rig/install.sh installs whatever else the tests need.

.PHONY: demo test rig lint unit bench bench-deadlines release-check release-check-fast

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

# The release path before a real release: build and pack this machine's
# target as release.yml does (scripts/package-release.sh), serve it from
# 127.0.0.1 and install it through the setup action's installer
# (docs/install.md, "Testing a release before it exists"). Not part of
# `make test`: a cold release build takes many minutes.
release-check: ; bash scripts/release-check.sh

# The same with [profile.fast-release] (what CI runs).
release-check-fast: ; bash scripts/release-check.sh --fast

# Issue 12's figures: the slowest exit of each binary, with default settings,
# against servers that accept and never answer (several minutes: each waits
# out its deadlines).
bench-deadlines:
	bash bench/deadlines-tag.sh
	bash bench/deadlines-gitops.sh
	bash bench/deadlines-canary.sh
	bash bench/deadlines-rollback.sh
