"""Puts a generated block between `<!-- NAME:begin -->` and `<!-- NAME:end -->` in docs/benchmarks.md (appended the
first time), so benchmark scripts rewrite their own table and nothing else.
Usage: python3 bench/splice-doc.py NAME BLOCK_FILE"""
import re
import sys

name, block_file = sys.argv[1], sys.argv[2]
path = "docs/benchmarks.md"
begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
block = f"{begin}\n{open(block_file).read()}{end}"
doc = open(path).read()
doc = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, doc, flags=re.S) if begin in doc else doc + "\n" + block + "\n"
open(path, "w").write(doc)
print(f"wrote the {name} table into {path}")
