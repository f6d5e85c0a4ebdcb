"""Times Python `re` with the spec's three patterns on a corpus file (the density benchmark
runs it on the same corpus as rizk). Prints two lines: `attribute MB/s` (the text cut into
attributes of whole lines, at least 1,000 bytes each, as the benchmark cuts them) and
`text MB/s` (the whole file as one string). Best of a few rounds each."""

import re
import sys
import time

PATTERNS = [
    re.compile(r"\b\d{4}-\d{4}-\d{4}-\d{4}\b"),
    re.compile(r"\b\d{3}-\d{2}-\d{4}\b"),
    re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b"),
]


def redact(text):
    for pattern in PATTERNS:
        text = pattern.sub("[REDACTED]", text)
    return text


def attributes(text):
    out, current = [], []
    size = 0
    for line in text.splitlines(keepends=True):
        current.append(line)
        size += len(line.encode())
        if size >= 1000:
            out.append("".join(current))
            current, size = [], 0
    if current:
        out.append("".join(current))
    return out


def best(rounds, run):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    mb = len(text.encode()) / 1e6
    attrs = attributes(text)
    per_attribute = best(3, lambda: [redact(a) for a in attrs])
    whole = best(3, lambda: redact(text))
    print(f"attribute {mb / per_attribute:.2f}")
    print(f"text {mb / whole:.2f}")


if __name__ == "__main__":
    main()
