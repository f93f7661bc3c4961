#!/usr/bin/env bash
# Throwaway certificates for the wss tests and bench, made at run time with
# the openssl command (never committed): in DIR,
#   ca.crt ca.key    a test CA (self-signed, CA:TRUE)
#   srv.crt srv.key  a server certificate the CA signs: subject CN=cn.test,
#                    subjectAltName DNS:wss.test and IP:127.0.0.1
#   self.crt self.key  a self-signed CA certificate with only a common name
#                    (CN=self.test), the shape of libzmq's own test's
# All keys are P-256, valid for two days. usage: scripts/wss-certs.sh DIR
set -eu
DIR=$1
mkdir -p "$DIR"
cd "$DIR"
exec 2>openssl.log
EC="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
# shellcheck disable=SC2086
openssl req -x509 $EC -keyout ca.key -out ca.crt -days 2 -subj /CN=wss-test-ca
# shellcheck disable=SC2086
openssl req $EC -keyout srv.key -out srv.csr -subj /CN=cn.test
printf 'subjectAltName=DNS:wss.test,IP:127.0.0.1\n' >san.ext
openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
    -extfile san.ext -out srv.crt
# shellcheck disable=SC2086
openssl req -x509 $EC -keyout self.key -out self.crt -days 2 -subj /CN=self.test
