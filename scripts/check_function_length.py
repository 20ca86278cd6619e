#!/usr/bin/env python3
"""Rejects functions longer than their layer allows (issue 11, STYLE.md): a handler in server/ is
decode -> one api call -> encode, so at most 60 body lines; a use case in api/ or an algorithm in
eval/ at most 120. Body lines are the lines strictly between a function's `{` and its `}`
(lambdas and local classes count towards the function that holds them).

Functions named in the allow-list (one `path:function` per line, `#` comments; `function` as
written at its definition, e.g. `ComputeMatchSet` or `HttpServer::Loop`) are reported but pass.
Prints one line per function over its limit (file:line: what) and exits 1 if any is not allowed.

  scripts/check_function_length.py [ROOT] [--allow FILE]
      ROOT: the repository (default: this script's parent);
      FILE: default ROOT/scripts/function_length_allow.txt (a missing file allows nothing).

The scanner is a brace matcher, not a parser: comments, string and character literals (raw
strings included) and preprocessor lines are blanked first; a `{` at namespace or class scope
opens a function body when the text before it ends with a parameter list `)` (plus qualifiers
such as const, noexcept, override, a trailing return type) or a constructor's initializer list.
"""
import os
import re
import sys

# folder under src/ -> the longest body allowed, in lines.
LIMITS = {"server": 60, "api": 120, "eval": 120}

_TRAILING = re.compile(r"(\s*(\bconst|\bvolatile|\bnoexcept(\s*\([^()]*\))?|\boverride|\bfinal"
                       r"|\bmutable|&&|&|->[^()]*))$")
_NAME = re.compile(r"((?:[A-Za-z_]\w*\s*(?:<[^()]*>)?\s*::\s*)*~?(?:operator\s*\S+|[A-Za-z_]\w*))\s*$")
_NOT_NAMES = {"if", "for", "while", "switch", "catch", "return", "sizeof", "decltype", "alignof",
              "noexcept", "requires", "static_assert"}
_SCOPE = re.compile(r"\b(namespace|class|struct|union)\b|\bextern\s*\"")


def blank_code(text):
    """The text with comments, literals and preprocessor lines replaced by spaces; newlines kept,
    so offsets and line numbers stay those of the file."""
    out = list(text)
    i, n = 0, len(text)
    line_start = True

    def blank(a, b):
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if line_start and c == "#" or (line_start and c in " \t" and
                                       text[i:].lstrip(" \t").startswith("#")):
            # A preprocessor directive, with its continuation lines.
            j = i
            while j < n:
                e = text.find("\n", j)
                if e == -1:
                    e = n
                if e > 0 and text[e - 1] == "\\":
                    j = e + 1
                    continue
                break
            blank(i, e)
            i = e
            continue
        line_start = c == "\n"
        if text.startswith("//", i):
            e = text.find("\n", i)
            e = n if e == -1 else e
            blank(i, e)
            i = e
        elif text.startswith("/*", i):
            e = text.find("*/", i + 2)
            e = n if e == -1 else e + 2
            blank(i, e)
            i = e
        elif c == "R" and i + 1 < n and text[i + 1] == '"' and (i == 0 or not (
                text[i - 1].isalnum() or text[i - 1] == "_") or text[i - 1] in "uUL8"):
            m = re.match(r'R"([^()\\\s]{0,16})\(', text[i:])
            if not m:
                i += 1
                continue
            end = text.find(")" + m.group(1) + '"', i + m.end())
            e = n if end == -1 else end + len(m.group(1)) + 2
            blank(i + 1, e)
            i = e
        elif c in "\"'":
            if c == "'" and re.search(r"\b\d\w*$", text[max(0, i - 32):i]):  # 1'000'000
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            blank(i + 1, min(j, n))
            i = j + 1
        else:
            i += 1
    return "".join(out)


def _matching(code, open_at):
    """Offset of the `}` that closes the `{` at open_at (or len(code))."""
    depth = 0
    for k in range(open_at, len(code)):
        if code[k] == "{":
            depth += 1
        elif code[k] == "}":
            depth -= 1
            if depth == 0:
                return k
    return len(code)


def _open_paren(flat, close):
    """Offset of the `(` matching the `)` at close."""
    depth = 0
    for k in range(close, -1, -1):
        if flat[k] == ")":
            depth += 1
        elif flat[k] == "(":
            depth -= 1
            if depth == 0:
                return k
    return -1


def _top_level_colon(flat):
    """Offset of the first `:` outside brackets that is not part of `::`, or -1."""
    depth = 0
    for k, c in enumerate(flat):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == ":" and depth == 0 and flat[k - 1:k] != ":" and flat[k + 1:k + 2] != ":":
            return k
    return -1


def _function_name(flat):
    """(name, in initializer list) when the text before a `{` ends a function's head
    ('std::string Foo::Bar(int x) const' -> 'Foo::Bar'), else (None, False)."""
    flat = re.sub(r"\b(public|protected|private)\s*:", " ", flat)
    colon = _top_level_colon(flat)
    head = flat if colon == -1 else flat[:colon]
    while True:  # drop the qualifiers after the parameter list
        stripped = _TRAILING.sub("", head.rstrip())
        if stripped == head.rstrip():
            break
        head = stripped
    head = head.rstrip()
    if not head.endswith(")"):
        return None, False
    paren = _open_paren(head, len(head) - 1)
    m = _NAME.search(head[:paren]) if paren > 0 else None
    if not m:
        return None, False
    name = re.sub(r"\s+", "", m.group(1))
    if name in _NOT_NAMES or "=" in re.sub(r"operator\s*\S+", "", head[:paren]):
        return None, False
    return name, colon != -1


def functions(text):
    """(name, first body line, body line count) for every function defined in C++ text."""
    code = blank_code(text)
    found = []

    def line_of(offset):
        return code.count("\n", 0, offset) + 1

    def scan(begin, end):
        sig_start = begin
        k = begin
        while k < end:
            c = code[k]
            if c in ";}":
                sig_start = k + 1
            elif c == "{":
                flat = " ".join(code[sig_start:k].split())
                close = _matching(code, k)
                name, init_list = _function_name(flat)
                if name and init_list and re.search(r"[\w>]$", flat):
                    k = close + 1  # a member's brace initializer: the body comes later
                    continue
                if name:
                    first, last = line_of(k), line_of(close)
                    found.append((name, first, max(0, last - first - 1)))
                elif _SCOPE.search(flat) and not flat.endswith("="):
                    scan(k + 1, close)  # a namespace or class body: look inside
                k = close + 1
                sig_start = k
                continue
            k += 1

    scan(0, len(code))
    return found


def read_allow(path):
    allowed = set()
    if not os.path.exists(path):
        return allowed
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                allowed.add(line)
    return allowed


def check(root, allowed):
    problems, excused, used = [], [], set()
    for layer, limit in sorted(LIMITS.items()):
        folder = os.path.join(root, "src", layer)
        for dirpath, _, files in os.walk(folder):
            for file in sorted(files):
                if not file.endswith((".h", ".cc")):
                    continue
                full = os.path.join(dirpath, file)
                rel = os.path.relpath(full, root).replace(os.sep, "/")
                with open(full, encoding="utf-8", errors="replace") as f:
                    text = f.read()
                for name, line, length in functions(text):
                    if length <= limit:
                        continue
                    msg = (f"{rel}:{line}: {name} has {length} body lines "
                           f"(limit {limit} in src/{layer})")
                    key = f"{rel}:{name}"
                    if key in allowed:
                        used.add(key)
                        excused.append(msg)
                    else:
                        problems.append(msg)
    return problems, excused, sorted(allowed - used)


def main(argv):
    args = [a for a in argv[1:]]
    allow = None
    if "--allow" in args:
        i = args.index("--allow")
        allow = args[i + 1]
        del args[i:i + 2]
    root = args[0] if args else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    allow = allow or os.path.join(root, "scripts", "function_length_allow.txt")
    problems, excused, stale = check(root, read_allow(allow))
    for p in problems:
        print(p, file=sys.stderr)
    for e in excused:
        print(f"{e} [allowed by {os.path.basename(allow)}]")
    for s in stale:
        print(f"check_function_length: {s} is allowed but not over its limit: "
              f"remove it from {os.path.basename(allow)}")
    if problems:
        print(f"check_function_length: {len(problems)} function(s) over the limit", file=sys.stderr)
        return 1
    print(f"check_function_length: ok ({len(excused)} allowed by {os.path.basename(allow)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
