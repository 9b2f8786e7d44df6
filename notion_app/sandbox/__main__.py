"""`python -m notion_app.sandbox --port 5001`: run the Notion sandbox on its own."""

import argparse
import time

from .server import SandboxServer


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Run the Notion API sandbox.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--client-id")
    parser.add_argument("--client-secret")
    parser.add_argument("--redirect-uri", action="append", default=[])
    parser.add_argument("--name", default="Notion Rows (sandbox)")
    args = parser.parse_args(argv)
    clients = []
    if args.client_id and args.client_secret:
        clients.append({"client_id": args.client_id, "client_secret": args.client_secret,
                        "redirect_uris": args.redirect_uri, "name": args.name})
    server = SandboxServer({"clients": clients}, host=args.host, port=args.port,
                           quiet=False)
    print(f"Notion sandbox running at {server.start()}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
