#!/usr/bin/env bash
# edeliver hooks for the billing project, with relkit in place of hand-made steps.
# Source this from .deliver/config instead of the inline ln -sfn hook there.
set -euo pipefail

# Was: __sync_remote "ln -sfn /var/$_secret_file $BUILD_AT/config/$_secret_file"
# Now the link is planned, checked and made atomically on the build host.
pre_erlang_get_and_update_deps() {
  status "Linking $TARGET_MIX_ENV secrets"
  secret-link plan --env "$TARGET_MIX_ENV" --from /var --into "$BUILD_AT/config" \
    --host "$BUILD_USER@$BUILD_HOST" | secret-link apply
}

# Refuse to build a release whose vm.args erl would misread.
pre_erlang_clean_compile() {
  status "Checking vm.args"
  relconf parse rel/config.exs --env "$TARGET_MIX_ENV" | vmargs check
}

# Verify the tarball before it leaves the build host.
post_build_release() {
  local tarball="$1"
  release-pack inspect "$tarball" | vmargs check
  release-pack verify "$tarball"
}
