"""``python -m simulators.onestop init|serve|ctl``: make the key, run the system, drive it."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from urllib.parse import quote

import httpx

from . import keys
from .config import DEFAULT_CATALOG, Config


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m simulators.onestop", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    init = commands.add_parser("init", help="create the key pair if missing; print the public JWK's path")
    init.add_argument("--data-dir", type=Path, required=True)
    init.add_argument("--code", required=True)

    serve = commands.add_parser("serve", help="run the one-stop system")
    serve.add_argument("--code", required=True, help="member code in the exchange, e.g. DLK")
    serve.add_argument("--name", required=True)
    serve.add_argument("--agency-code", required=True, help="the agency's code, e.g. 000.00.00.H66")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8101)
    serve.add_argument("--data-dir", type=Path, required=True)
    serve.add_argument("--portal-url", required=True)
    serve.add_argument("--portal-code", default="DVCQG")
    serve.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG)
    serve.add_argument("--step-seconds", type=float, default=0, help="advance dossiers by timer (0: by command)")
    serve.add_argument("--heartbeat-seconds", type=float, default=60)
    serve.add_argument("--ca-url", default="", help="the CA simulator (default <portal>/sim/ca/)")
    serve.add_argument("--public-url", default="", help="the base URL the portal reaches us by, behind a proxy "
                       "(its /lien-thong/token is then also our token endpoint's name)")

    ctl = commands.add_parser("ctl", help="call the control API of a running system")
    ctl.add_argument("--url", default="http://127.0.0.1:8101")
    ctl.add_argument("action", choices=["state", "advance", "supplement-request", "refuse", "catalog",
                                        "statistics", "heartbeat", "faults", "faults-reset", "replay"])
    ctl.add_argument("args", nargs="*", help="a dossier code; a reason; faults as name=value (down=true)")
    return parser


def _control_call(action: str, args: list[str]) -> tuple[str, str, dict]:
    """The method, path and body of a ctl action."""
    if action == "state":
        return "GET", "/control/state", {}
    if action in ("advance", "supplement-request", "refuse"):
        if not args:
            raise SystemExit(f"{action} needs a dossier code")
        body = {"reason": " ".join(args[1:])} if action != "advance" else {}
        return "POST", f"/control/dossiers/{quote(args[0], safe='')}/{action}", body
    if action == "faults":
        faults = {}
        for item in args:
            name, _, value = item.partition("=")
            faults[name] = json.loads(value or "true")
        return "POST", "/control/faults", faults
    if action == "faults-reset":
        return "POST", "/control/faults/reset", {}
    if action == "replay":
        return "POST", "/control/outbox/replay", {}
    return "POST", f"/control/{action}", {}


def _ctl(url: str, action: str, args: list[str]) -> int:
    method, path, body = _control_call(action, args)
    reply = httpx.request(method, url.rstrip("/") + path, json=body if method == "POST" else None, timeout=60)
    print(json.dumps(reply.json(), ensure_ascii=False, indent=2))
    return 0 if reply.is_success else 1


def main(argv: list[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s onestop %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request drowns ours
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    if options.command == "init":
        keys.load_or_create(options.data_dir.resolve(), options.code)
        print(options.data_dir.resolve() / keys.PUBLIC_FILE)
        return 0
    if options.command == "ctl":
        return _ctl(options.url, options.action, options.args)
    from .server import serve

    serve(Config(
        code=options.code, name=options.name, agency_code=options.agency_code, data_dir=options.data_dir.resolve(),
        portal_url=options.portal_url.rstrip("/"), portal_code=options.portal_code, host=options.host,
        port=options.port, catalog=options.catalog, step_seconds=options.step_seconds,
        heartbeat_seconds=options.heartbeat_seconds, ca_url=options.ca_url, public_url=options.public_url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
