#!/bin/sh
# The hub image's entrypoint: each secret mounted as /run/secrets/KHO_<NAME> (docker-compose.yml:
# `secrets: [{source: ..., target: KHO_<NAME>}]`) becomes the setting KHO_<NAME>, so that no
# password, key or URL holding a password is written into the compose file or the environment
# of `docker inspect`. Then the command runs in place of this shell (signals reach it).
set -eu
for secret in /run/secrets/KHO_*; do
  [ -f "$secret" ] || continue
  name=${secret##*/}
  value=$(cat "$secret")
  export "$name=$value"
done
exec "$@"
