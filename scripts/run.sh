#!/usr/bin/env bash
# The main job: builds and starts the reference EAS server on its embedded
# store with the demo accounts, on HTTP (8080) and HTTPS (8443, self-signed
# certificate made on first start), and prints how to connect a phone.
# Installs what it needs first. Data lives in ./var; Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bazel build //reference/server:eas-server //reference/server:eas-admin

COMMANDS=$(bazel-bin/reference/server/eas-admin commands | cut -f1 | paste -sd, - | sed 's/,/, /g' | fold -s -w 78 | sed '2,$s/^/    /')

HTTP_PORT=${EAS_HTTP_PORT:-8080}
HTTPS_PORT=${EAS_HTTPS_PORT:-8443}
HOST=$(hostname -I 2>/dev/null | awk '{print $1}')
HOST=${HOST:-127.0.0.1}

cat <<MSG

EAS reference server (embedded store, demo data)

  Server name for the phone:  ${HOST}:${HTTPS_PORT} with SSL on, or ${HOST}:${HTTP_PORT} with SSL off
  URL:                        https://${HOST}:${HTTPS_PORT}/Microsoft-Server-ActiveSync
                              http://${HOST}:${HTTP_PORT}/Microsoft-Server-ActiveSync
  Accounts (password: secret):
    miguel  in domain ox.io           (or user name miguel@ox.io, no domain)
    ana     in domain ox.io           (or ana@ox.io)
    juan    in domain defaultcontext  (or leave the domain empty)

  How to type it on each phone (the OXtender for Business Mobility manual's fields):
    Windows Mobile 6.x  ActiveSync > Set up server: e-mail miguel@ox.io, server address
                        ${HOST}, tick "This server requires an encrypted (SSL) connection"
                        for HTTPS; then user name miguel, password secret, domain ox.io.
    iPhone / iOS        Settings > Mail > Add Account > Exchange: e-mail miguel@ox.io,
                        server ${HOST}:${HTTPS_PORT}, domain ox.io, user name miguel,
                        password secret; accept the self-signed certificate.
    Android             Add account > Exchange/Corporate: domain\\user name ox.io\\miguel,
                        password secret, server ${HOST}, port ${HTTPS_PORT}, use secure
                        connection (SSL), accept all SSL certificates.
    BlackBerry AstraSync  Server URL https://${HOST}:${HTTPS_PORT}, user name miguel,
                        domain ox.io, password secret.
    Nokia Mail for Exchange  Exchange server ${HOST}, port ${HTTPS_PORT}, secure connection on,
                        user name juan, password secret, domain: leave empty (the phone
                        sends a single space; the server reads it as defaultcontext).

  Commands (from the server's command table; docs/commands.md):
    ${COMMANDS}
  Operator's endpoint: http://127.0.0.1:8090/metrics, /healthz, /readyz (loopback only)
  Administer:  bazel-bin/reference/server/eas-admin --data-dir=var help
  Stop:        Ctrl-C

MSG
exec bazel-bin/reference/server/eas-server --data-dir=var --demo --tls-legacy \
  --listen=0.0.0.0:${HTTP_PORT} --tls-listen=0.0.0.0:${HTTPS_PORT}
