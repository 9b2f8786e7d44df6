"""For scripts/wapiti_pass.sh: sign up on BASE, connect the sandbox's Acme workspace, print the
session cookie as `name=value` for wapiti's -C."""

import re
import secrets
import sys
import warnings
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from notion_app.sandbox.control import SandboxControl  # noqa: E402 - after the path setup

warnings.filterwarnings("ignore")  # the throwaway certificate


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)[1]


def main(base: str, sandbox: str) -> None:
    http = requests.Session()
    http.verify = False
    http.trust_env = False  # else a CA bundle in the environment overrides verify=False
    http.headers["Referer"] = base + "/"
    password = secrets.token_urlsafe(16)
    page = http.get(base + "/auth/signup").text
    http.post(base + "/auth/signup", data={"csrf_token": csrf(page), "email": "scan@example.com",
                                           "password": password, "confirm": password})
    page = http.get(base + "/connections").text
    resp = http.post(base + "/connections/connect", data={"csrf_token": csrf(page)},
                     allow_redirects=False)
    callback = SandboxControl(sandbox).consent(resp.headers["Location"], workspace="acme",
                                               user="ada")
    http.get(callback)
    print(f"session={http.cookies['session']}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
