"""Search quality on a gold set of real queries (A2): recall@5 and MRR.

    .venv/bin/python benchmarks/search_quality.py [--database-url URL] [--verbose]

The queries (benchmarks/search_queries.json) were written from what citizens type —
with and without diacritics, with typos, abbreviations and everyday words — each
with the procedure codes that are a right answer. Target: recall@5 >= 0.9.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import _django

QUERIES = Path(__file__).with_name("search_queries.json")
TARGET_RECALL = 0.9


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    url = _django.setup(args.database_url)

    from dichvucong.catalog.search import SearchQuery, search_procedures

    gold = json.loads(QUERIES.read_text(encoding="utf-8"))
    hits, reciprocal = 0, 0.0
    by_kind: dict[str, list[int]] = defaultdict(list)
    misses = []
    for item in gold:
        result = search_procedures(SearchQuery(text=item["query"], page_size=10))
        codes = [p.code for p in result.procedures()]
        expected = set(item["expected"])
        rank = next((i + 1 for i, code in enumerate(codes) if code in expected), None)
        hit = rank is not None and rank <= 5
        hits += hit
        reciprocal += 1 / rank if rank else 0.0
        by_kind[item.get("kind", "other")].append(hit)
        if not hit:
            misses.append((item["query"], item["expected"], codes[:5]))
    n = len(gold)
    recall, mrr = hits / n, reciprocal / n
    print(f"database: {url.split('@')[-1]}")
    print(f"queries: {n}")
    for kind, values in sorted(by_kind.items()):
        print(f"  {kind:15} recall@5 {sum(values) / len(values):.3f} ({len(values)} queries)")
    print(f"recall@5: {recall:.3f}  (target >= {TARGET_RECALL})")
    print(f"MRR@10:   {mrr:.3f}")
    if args.verbose or recall < TARGET_RECALL:
        for query, expected, got in misses:
            print(f"  miss: {query!r} expected {expected} got {got}")
    return 0 if recall >= TARGET_RECALL else 1


if __name__ == "__main__":
    raise SystemExit(main())
