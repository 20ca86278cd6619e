#!/usr/bin/env python3
"""Rejects any #include that goes against the layering of docs/design/layers.md.

Each folder of src/ is one layer and may include only the layers its arrow lists (arrows point
down); public headers ("nucleus/...") are open to every layer. Each third-party library has one
home. Prints one line per violation (file:line: what and why) and exits 1 if there is any.

  scripts/check_layering.py [ROOT]      # ROOT: the repository (default: this script's parent)
"""
import os
import re
import sys

# layer -> the layers it may include (itself included).
ALLOWED = {
    "core": {"core"},
    "geometry": {"geometry", "core"},
    "eval": {"eval", "geometry", "core"},
    "store": {"store", "core"},
    "store/sqlite": {"store/sqlite", "store", "core"},
    "store/postgres": {"store/postgres", "store", "core"},
    "jobs": {"jobs", "store", "core"},
    "wire": {"wire", "core"},
    "api": {"api", "eval", "geometry", "store", "jobs", "core"},
    "server": {"server", "api", "wire", "store", "core"},
    "client": {"client", "wire", "core"},
    "cli": {"cli", "client", "eval", "wire", "core"},
}
# The same arrows are the include roots of the top-level CMakeLists.txt (nucleus_layer), which
# make the compiler refuse what this script reports.
# third-party header -> the layers that may include it.
HOMES = {
    "sqlite3.h": {"store/sqlite"},
    "libpq-fe.h": {"store/postgres"},
    "curl/curl.h": {"client"},
    "simdjson.h": {"wire", "eval"},
    "polyclipping/clipper.hpp": {"geometry"},
    "zlib.h": {"server"},
    "brotli/decode.h": {"server"},
    "png.h": {"eval"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def layer_of(rel_path):
    """'src/store/sqlite/db.cc' -> 'store/sqlite'; None outside src/."""
    parts = rel_path.split("/")
    if parts[0] != "src" or len(parts) < 3:
        return None
    if parts[1] == "store" and len(parts) > 3 and parts[2] in ("sqlite", "postgres"):
        return "store/" + parts[2]
    return parts[1]


def included_layer(path):
    """'store/sqlite/db.h' -> 'store/sqlite', 'api/items.h' -> 'api', 'nucleus/x.h' -> None."""
    parts = path.split("/")
    if len(parts) < 2 or parts[0] not in {l.split("/")[0] for l in ALLOWED}:
        return None
    if parts[0] == "store" and len(parts) > 2 and parts[1] in ("sqlite", "postgres"):
        return "store/" + parts[1]
    return parts[0]


def check(root):
    problems = []
    src = os.path.join(root, "src")
    for dirpath, _, files in os.walk(src):
        for name in sorted(files):
            if not name.endswith((".h", ".cc")):
                continue
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            layer = layer_of(rel)
            if layer is None:
                continue
            if layer not in ALLOWED:
                problems.append(f"{rel}:1: folder src/{layer} is not a known layer "
                                "(add it to scripts/check_layering.py and layers.md)")
                continue
            with open(full, encoding="utf-8", errors="replace") as f:
                for number, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    quote, path = m.groups()
                    if path in HOMES and layer not in HOMES[path]:
                        problems.append(f"{rel}:{number}: <{path}> belongs to "
                                        f"{', '.join(sorted(HOMES[path]))} only, not {layer}")
                    if quote != '"':
                        continue
                    target = included_layer(path)
                    if target is not None and target not in ALLOWED[layer]:
                        problems.append(f"{rel}:{number}: {layer} may not include \"{path}\" "
                                        f"(allowed: {', '.join(sorted(ALLOWED[layer]))})")
    return problems


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))
    problems = check(root)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"check_layering: {len(problems)} include(s) against the layering", file=sys.stderr)
        return 1
    print("check_layering: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
