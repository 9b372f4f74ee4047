"""python -m apps.qualifications.importers SPEC [--out-dir DIR]: import without Django."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import ImportError_, dump_yaml, import_text


def fixture_name(number: str) -> str:
    return number.replace("/", "-") + ".yaml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("spec", type=Path)
    parser.add_argument("--out-dir", type=Path, help="write one canonical YAML file per qualification here")
    args = parser.parse_args(argv)
    try:
        qualifications, report = import_text(args.spec.read_text(encoding="utf-8"), args.spec.name)
    except ImportError_ as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.out_dir:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        for qual in qualifications:
            (args.out_dir / fixture_name(qual["number"])).write_text(dump_yaml(qual), encoding="utf-8")
    print(json.dumps(report.as_dict(qualifications), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
