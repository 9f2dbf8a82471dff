#!/bin/sh
# The hub image's entrypoint: each secret mounted as /run/secrets/KHO_<NAME> (docker-compose.yml:
# `secrets: [{source: ..., target: KHO_<NAME>}]`) becomes the setting KHO_<NAME>, so that no
# password, key or URL holding a password is written into the compose file or the environment
# of `docker inspect`; an empty file sets nothing (e.g. the CKAN token before CKAN's first
# start). Then the command runs in place of this shell (signals reach it).
# KHO_SECRETS_DIR moves /run/secrets (tests).
set -eu
for secret in "${KHO_SECRETS_DIR:-/run/secrets}"/KHO_*; do
  [ -s "$secret" ] || continue
  name=${secret##*/}
  value=$(cat "$secret")
  export "$name=$value"
done
exec "$@"
