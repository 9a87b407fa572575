# The two commands: `make run` boots the default guest, `make test` runs the whole suite.
# Both first run scripts/setup.sh, which installs only what is missing (Debian packages, npm
# packages, the TypeScript build, the guest images) and prints nothing when all is there.
.PHONY: run test bench images setup build clean clean-images

NODE ?= node
RINGMASTER = $(NODE) bin/ringmaster.js

# `ringmaster run` with no kernel/disk/CD boots the default guest (DEFAULT_GUEST in
# src/cli/images/paths.ts: i386 kernel + busybox initrd from the image cache, console=ttyS0).
# Extra options: make run ARGS='--memory 256M'
run: setup
	@$(RINGMASTER) run --serial stdio $(ARGS)

# RINGMASTER_REQUIRE_IMAGES: a test whose guest image is missing fails instead of skipping.
test: setup
	@RINGMASTER_REQUIRE_IMAGES=1 npm test --silent

bench: setup
	@if [ -f bench/boot.js ]; then $(NODE) bench/boot.js; \
	 elif [ -f dist/bench/boot.js ]; then $(NODE) dist/bench/boot.js; \
	 else echo "make bench: no benchmark yet (bench/boot arrives with the boot issue)"; fi

images:
	@bash scripts/setup.sh --no-images
	@$(RINGMASTER) images

setup:
	@bash scripts/setup.sh

build:
	@bash scripts/setup.sh --no-images

# Build outputs only; the image cache (outside the tree) survives: `make clean-images` drops it.
clean:
	rm -rf dist

clean-images:
	rm -rf "$${RINGMASTER_IMAGES:-$${XDG_CACHE_HOME:-$$HOME/.cache}/ringmaster/images}"
