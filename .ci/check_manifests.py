"""Validate manifests/ (as shipped and in HTTP form) against Slack's published schema."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema

from manifests import load_manifest

SCHEMAS = Path(__file__).resolve().parents[1] / "manifests" / "schema"


def main() -> int:
    checked = 0
    for path in sorted(Path("manifests").glob("*.json")):
        manifest = json.loads(path.read_text(encoding="utf-8"))
        major = manifest["_metadata"]["major_version"]
        schema = json.loads((SCHEMAS / f"manifest.schema.{major}.0.0.json").read_text())
        variants = {path.name: manifest}
        if path.name == "vadesk.json":
            variants["vadesk.json --http-url"] = load_manifest(
                "https://vadesk.example.com/slack/events"
            )
        for name, document in variants.items():
            jsonschema.validate(document, schema)
            print(f"{name}: valid against manifest schema {major}.0.0")
            checked += 1
    if not checked:
        print("no manifests found in manifests/", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
