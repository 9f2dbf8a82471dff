#!/usr/bin/env bash
# A throw-away certificate authority for TLS tests, and one server certificate it signed for
# localhost and 127.0.0.1 (Kafka's SASL_SSL listener or PostgreSQL's ssl=on in a test).
#   bash scripts/test-ca.sh DIR
# Writes DIR/ca.pem, DIR/ca.key, DIR/server.pem, DIR/server.key (mode 600). Never for production.
# Env: KHO_TEST_CA_DAYS  days both certificates are valid (default 2)
set -euo pipefail
dir=${1:?usage: test-ca.sh DIR}
days=${KHO_TEST_CA_DAYS:-2}
mkdir -p "$dir"
cd "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days "$days" -subj "/CN=Kho test CA" \
  -keyout ca.key -out ca.pem -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr \
  2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days "$days" \
  -extfile server.ext -out server.pem 2>/dev/null
rm -f server.csr server.ext ca.srl
chmod 600 ca.key server.key
