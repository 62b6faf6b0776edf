"""``python -m samplesite [--port 8000] [--synthetic N]``: serve the demo portals."""
import argparse
import sys

from .portals import build_sites
from .server import serve_forever
from .synthetic import build_synthetic_site


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m samplesite",
                                 description="Serve the bundled fake news portals on 127.0.0.1.")
    ap.add_argument("--port", type=int, default=8000,
                    help="first port; sites get consecutive ports (0 = ephemeral). Default 8000")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--synthetic", type=int, default=0, metavar="N",
                    help="also serve a synthetic benchmark site with N articles")
    args = ap.parse_args(argv)
    sites = build_sites()
    if args.synthetic:
        sites.append(build_synthetic_site(args.synthetic))
    try:
        serve_forever(sites, port=args.port, host=args.host)
    except OSError as exc:
        print(f"cannot start server: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
