#!/usr/bin/env bash
# A one-off black-box pass with wapiti against the app in production configuration (gunicorn
# serving TLS itself with a throwaway certificate, PostgreSQL, the Notion sandbox standing in for
# api.notion.com), first as a stranger, then logged in with a connected workspace. Not part of CI;
# the findings of the last run are in docs/security.md. Needs wapiti3 (pip install wapiti3, in a
# venv of its own), openssl, the local PostgreSQL and this checkout's .venv.
# Usage: scripts/wapiti_pass.sh [seconds per scan, default 300]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_SCAN=${1:-300}
WAPITI=${WAPITI:-wapiti}
PY=.venv/bin/python
WORK=$(mktemp -d)
APP_PORT=${APP_PORT:-8443}
SANDBOX_PORT=${SANDBOX_PORT:-8501}
DB=wapiti_$$
BASE="https://127.0.0.1:$APP_PORT"
psql -h 127.0.0.1 -U postgres -d test -qc "CREATE DATABASE $DB"
cleanup() {
  kill "$APP_PID" "$SANDBOX_PID" 2>/dev/null || true
  sleep 1
  psql -h 127.0.0.1 -U postgres -d test -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
}
trap cleanup EXIT
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
export APP_ENV=production DATABASE_URL="postgresql://postgres@127.0.0.1:5432/$DB" \
  SECRET_KEY=$($PY -c 'import secrets; print(secrets.token_urlsafe(48))') \
  TOKEN_ENCRYPTION_KEY=$($PY -c 'import secrets; print(secrets.token_hex(32))') \
  NOTION_CLIENT_ID=wapiti-client NOTION_CLIENT_SECRET=wapiti-secret-canary \
  NOTION_REDIRECT_URI="$BASE/notion/callback" NOTION_API_BASE_URL="http://127.0.0.1:$SANDBOX_PORT" \
  TRUSTED_HOSTS=127.0.0.1 PORT=$APP_PORT
$PY -m notion_app.sandbox --port "$SANDBOX_PORT" --client-id wapiti-client \
  --client-secret wapiti-secret-canary --redirect-uri "$BASE/notion/callback" --no-rate-limit \
  > "$WORK/sandbox.log" 2>&1 &
SANDBOX_PID=$!
$PY -m flask --app app db upgrade > /dev/null
.venv/bin/gunicorn --config gunicorn.conf.py --bind "127.0.0.1:$APP_PORT" \
  --certfile "$WORK/cert.pem" --keyfile "$WORK/key.pem" app:app > "$WORK/app.log" 2>&1 &
APP_PID=$!
for _ in $(seq 60); do curl -skf "$BASE/healthz" > /dev/null && break; sleep 0.5; done
# A logged-in person with a connected workspace, for the second scan.
COOKIE=$($PY scripts/wapiti_login.py "$BASE" "http://127.0.0.1:$SANDBOX_PORT")
EXCLUDE=(-x "$BASE/auth/logout" -x "$BASE/auth/account/sessions/end" -x "$BASE/connections/*/disconnect")
for who in stranger member; do
  args=()
  [ "$who" = member ] && args=(-C "$COOKIE")
  "$WAPITI" -u "$BASE/" --scope folder --verify-ssl 0 --max-scan-time "$SECONDS_PER_SCAN" \
    --max-attack-time "$((SECONDS_PER_SCAN / 10))" \
    "${EXCLUDE[@]}" "${args[@]}" -f json -o "$WORK/$who.json" --flush-session -v 0 || true
  $PY - "$WORK/$who.json" "$who" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
print(f"== {sys.argv[2]}: {report.get('infos', {}).get('crawled_pages_nbr')} pages crawled")
for kind in ("vulnerabilities", "anomalies", "additionals"):
    for name, found in sorted(report.get(kind, {}).items()):
        for f in found:
            print(f"{kind}: {name}: {f.get('method')} {f.get('path')} {f.get('info', '')[:160]}")
PY
done
echo "== app log: $(grep -c Traceback "$WORK/app.log" || true) tracebacks, "\
"$(grep -c 'wapiti-secret-canary' "$WORK/app.log" || true) client-secret leaks"
