"""The Notion sandbox on its own port for bench/pages.py, with extra people in Acme Corp so that
every bench user connects a workspace of its own (Notion paces and rate-limits per connection).

    python bench/sandbox_people.py PORT PEOPLE CLIENT_ID CLIENT_SECRET REDIRECT_URI
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from notion_app.sandbox.ids import make_id  # noqa: E402
from notion_app.sandbox.server import SandboxServer  # noqa: E402


def main() -> None:
    port, people, client_id, secret, redirect_uri = sys.argv[1:6]
    client = {"client_id": client_id, "client_secret": secret, "redirect_uris": [redirect_uri],
              "name": "Notion Rows (bench)"}
    server = SandboxServer({"clients": [client]}, port=int(port))
    st = server.state
    with st.lock:
        acme = st.workspace_key("acme")["id"]
        for n in range(int(people)):
            st.add_user(f"bench{n}", make_id("user", f"bench{n}"), f"Bench User {n}",
                        f"bench{n}@acme.example", acme)
    print(f"sandbox at {server.start()}", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
