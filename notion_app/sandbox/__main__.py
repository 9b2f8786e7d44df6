"""`python -m notion_app.sandbox --port 5001`: run the Notion sandbox on its own."""

import argparse
import time

from .server import SandboxServer


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Run the Notion API sandbox.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--client-id")
    parser.add_argument("--client-secret")
    parser.add_argument("--redirect-uri", action="append", default=[])
    parser.add_argument("--name", default="Notion Rows (sandbox)")
    parser.add_argument("--latency-ms", type=int, default=0, help="added to every API request")
    parser.add_argument("--rate", type=float, default=3.0, help="requests/s per token (average)")
    parser.add_argument("--burst", type=int, default=10, help="requests a token may burst")
    parser.add_argument("--workspace-rate", type=float, default=3.0,
                        help="requests/s per workspace, shared by all its tokens")
    parser.add_argument("--workspace-burst", type=int, default=10)
    parser.add_argument("--no-rate-limit", action="store_true", help="never answer 429")
    parser.add_argument("--fault-probability", type=float, default=0.0,
                        help="answer this share of API requests with a random 429/5xx")
    # Notion as it really behaves (issue 11): each switch of
    # /_sandbox/settings, at start.
    parser.add_argument("--workspace-retry-after", type=int, default=None, metavar="SECONDS",
                        help="Retry-After of a workspace-limit 429 (Notion's may exceed 60 s)")
    parser.add_argument("--search-index-delay", type=float, default=0.0, metavar="SECONDS",
                        help="search leaves out what was shared less than this long ago "
                             "(GET answers at once)")
    parser.add_argument("--users-forbidden", action="store_true",
                        help="GET /v1/users answers 403 (no user-information capability)")
    parser.add_argument("--oversize-status", type=int, choices=(400, 413), default=413,
                        help="how a body over 500 KB is refused: the edge's 413 or a 400 "
                             "validation_error")
    parser.add_argument("--no-select-new-options", action="store_true",
                        help="refuse a select name that is not an option (else it is added)")
    return parser


def main(argv=None) -> None:
    args = build_parser().parse_args(argv)
    clients = []
    if args.client_id and args.client_secret:
        clients.append({"client_id": args.client_id, "client_secret": args.client_secret,
                        "redirect_uris": args.redirect_uri, "name": args.name})
    server = SandboxServer(start_settings(args, clients), host=args.host, port=args.port,
                           quiet=False)
    print(f"Notion sandbox running at {server.start()}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


def start_settings(args, clients: list[dict]) -> dict:
    """The switches given on the command line (all can be changed later at /_sandbox/settings)."""
    settings = {
        "clients": clients,
        "latency_ms": args.latency_ms,
        "rate_limit": None if args.no_rate_limit else {
            "rate": args.rate, "burst": args.burst,
            "workspace": {"rate": args.workspace_rate, "burst": args.workspace_burst}},
    }
    if args.workspace_retry_after and settings["rate_limit"]:
        settings["rate_limit"]["workspace"]["retry_after"] = args.workspace_retry_after
    settings.update(search_index_delay=args.search_index_delay,
                    users_forbidden=args.users_forbidden, oversize_status=args.oversize_status,
                    select_new_options=not args.no_select_new_options)
    if args.fault_probability:
        settings["random_faults"] = {"probability": args.fault_probability,
                                     "statuses": [429, 500, 502, 503, 504, 529]}
    return settings


if __name__ == "__main__":
    main()
