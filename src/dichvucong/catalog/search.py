"""The one search service of the catalog (A2), used by the site, the API and the assistant.

An in-process inverted index over folded (diacritic-free) text with BM25 ranking,
syllable bigrams for phrases, typo tolerance by edit distance over the vocabulary,
abbreviation and synonym expansion, then a popularity boost. It is built from the
database and rebuilt when ``CatalogRevision`` moves, so every database backend
gives the same ranking (ADR 0002 explains why this beats database full-text here).
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from dichvucong.core.text import fold

from .constants import ProcedureStatus
from .models import CatalogRevision, LifeEvent, Procedure
from .search_vocabulary import ABBREVIATIONS, STOPWORDS, SYNONYMS

MAX_QUERY_LENGTH = 200
FACETS = ("field", "agency", "level", "service_level", "target", "life_event", "department")

# Weights of where a word was found; the name says most about a procedure.
NAME_WEIGHT, NAME_EN_WEIGHT, CONTEXT_WEIGHT = 3.0, 2.0, 0.6
BM25_K1, BM25_B = 1.2, 0.5
FUZZY_PENALTY = 0.75
POPULARITY_BOOST = 0.08

_TOKEN = re.compile(r"[a-z0-9]+")


def normalise_token(token: str) -> str:
    # "ký" and "kí", "lý" and "lí" are both correct spellings: fold final y to i.
    return token[:-1] + "i" if len(token) > 1 and token.endswith("y") and token[-2] not in "aeiouy" else token


def tokenize(text: str) -> list[str]:
    return [normalise_token(t) for t in _TOKEN.findall(fold(text))]


_ABBREVIATION_TOKENS = {key: tokenize(value) for key, value in ABBREVIATIONS.items()}


def _with_expanded_abbreviations(tokens: list[str]) -> list[str]:
    """Names write "sổ BHXH"; index "so bhxh bao hiem xa hoi" so that both spellings meet."""
    expanded: list[str] = []
    for token in tokens:
        expanded.append(token)
        expanded.extend(_ABBREVIATION_TOKENS.get(token, ()))
    return expanded


def _bigrams(tokens: list[str]) -> list[str]:
    return [f"{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def _phrase_table() -> list[tuple[list[str], list[str]]]:
    table = [
        (tokenize(phrase), tokenize(expansion))
        for phrase, expansion in (*SYNONYMS.items(), *ABBREVIATIONS.items())
    ]
    return sorted(table, key=lambda row: -len(row[0]))


_PHRASES = _phrase_table()


def expand_query(text: str) -> tuple[list[str], list[str]]:
    """Return (the words to match, the words the user typed that were rewritten).

    "bang lai o to" becomes "giay phep lai xe xe o to": the catalog's words take the
    place of the everyday ones, and the everyday ones still count a little.
    """
    tokens = tokenize(text)
    words: list[str] = []
    rewritten: list[str] = []
    position = 0
    while position < len(tokens):
        for phrase, expansion in _PHRASES:
            if tokens[position:position + len(phrase)] == phrase:
                words.extend(expansion)
                rewritten.extend(phrase)
                position += len(phrase)
                break
        else:
            words.append(tokens[position])
            position += 1
    words = [w for w in dict.fromkeys(words) if w not in STOPWORDS]
    return words, [w for w in rewritten if w not in words and w not in STOPWORDS]


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    field: str = ""
    agency: str = ""
    level: str = ""
    service_level: str = ""
    target: str = ""
    life_event: str = ""
    department: str = ""
    page: int = 1
    page_size: int = 20

    def filters(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FACETS if getattr(self, name)}


@dataclass
class FacetValue:
    value: str
    count: int


@dataclass
class SearchResult:
    query: SearchQuery
    total: int
    procedure_ids: list[int]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.query.page_size))

    def procedures(self) -> list[Procedure]:
        """The page's procedures, in rank order, with what lists show."""
        by_id = Procedure.objects.select_related("field", "owner").in_bulk(self.procedure_ids)
        return [by_id[pk] for pk in self.procedure_ids if pk in by_id]


@dataclass
class _Doc:
    pk: int
    popularity: int
    facets: dict[str, tuple[str, ...]]


class SearchIndex:
    """Immutable once built; a new revision builds a new index and swaps it in."""

    def __init__(self, revision: str) -> None:
        self.revision = revision
        self.docs: list[_Doc] = []
        self.postings: dict[str, dict[int, float]] = defaultdict(dict)
        self.doc_length: list[float] = []
        self.idf: dict[str, float] = {}
        self.vocabulary: list[str] = []
        self.facet_sets: dict[str, dict[str, set[int]]] = {name: defaultdict(set) for name in FACETS}
        self.by_popularity: list[int] = []

    @classmethod
    def build(cls, revision: str) -> SearchIndex:
        index = cls(revision)
        events: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for event in LifeEvent.objects.prefetch_related("procedures"):
            for procedure in event.procedures.all():
                events[procedure.pk].append((event.slug, event.name))
        rows = (
            Procedure.objects.filter(status=ProcedureStatus.ACTIVE)
            .select_related("field", "owner", "current")
            .only(
                "pk", "code", "name", "name_en", "popularity", "levels", "targets", "service_level",
                "field__slug", "field__name", "owner__slug", "owner__name",
                "current__results", "current__department_kinds",
            )
        )
        for procedure in rows.iterator(chunk_size=500):
            index._add(procedure, events.get(procedure.pk, []))
        index._finish()
        return index

    def _add(self, procedure: Procedure, events: list[tuple[str, str]]) -> None:
        doc_id = len(self.docs)
        weights: dict[str, float] = defaultdict(float)
        name_tokens = _with_expanded_abbreviations(tokenize(procedure.name))
        for token in (*name_tokens, *_bigrams(name_tokens)):
            weights[token] += NAME_WEIGHT
        en_tokens = tokenize(procedure.name_en)
        for token in (*en_tokens, *_bigrams(en_tokens)):
            weights[token] += NAME_EN_WEIGHT
        context = [procedure.field.name if procedure.field else ""]
        context += [r.get("name", "") for r in (procedure.current.results if procedure.current else [])][:3]
        context += [name for _slug, name in events]
        for text in context:
            tokens = tokenize(text)
            for token in (*tokens, *_bigrams(tokens)):
                weights[token] += CONTEXT_WEIGHT
        weights[procedure.code] += NAME_WEIGHT * 3
        for token, weight in weights.items():
            self.postings[token][doc_id] = weight
        self.doc_length.append(len(name_tokens) or 1)
        facets = {
            "field": (procedure.field.slug,) if procedure.field else (),
            "agency": (procedure.owner.slug,) if procedure.owner else (),
            "level": tuple(procedure.levels),
            "service_level": (procedure.service_level,),
            "target": tuple(procedure.targets),
            "life_event": tuple(slug for slug, _name in events),
            "department": tuple(procedure.current.department_kinds if procedure.current else ()),
        }
        self.docs.append(_Doc(procedure.pk, procedure.popularity, facets))
        for name, values in facets.items():
            for value in values:
                self.facet_sets[name][value].add(doc_id)

    def _finish(self) -> None:
        total = len(self.docs) or 1
        for token, posting in self.postings.items():
            self.idf[token] = math.log(1 + (total - len(posting) + 0.5) / (len(posting) + 0.5))
        self.vocabulary = [t for t in self.postings if "_" not in t and len(t) > 2]
        self.average_length = sum(self.doc_length) / total
        self.by_popularity = sorted(range(len(self.docs)), key=lambda d: (-self.docs[d].popularity, self.docs[d].pk))
        self.postings = dict(self.postings)

    # -- querying --------------------------------------------------------------------

    def _variants(self, token: str) -> list[tuple[str, float]]:
        """The token itself, or vocabulary words one or two edits away when it is unknown."""
        if token in self.postings:
            return [(token, 1.0)]
        if len(token) < 3 or token.isdigit():
            return []
        limit = 1 if len(token) < 7 else 2
        matches = process.extract(
            token, self.vocabulary, scorer=Levenshtein.distance, score_cutoff=limit, limit=5
        )
        return [(word, FUZZY_PENALTY) for word, _distance, _i in matches]

    def _bm25(self, token: str, doc_id: int, weight: float) -> float:
        norm = 1 - BM25_B + BM25_B * self.doc_length[doc_id] / self.average_length
        return self.idf[token] * weight * (BM25_K1 + 1) / (weight + BM25_K1 * norm)

    def score(self, text: str) -> dict[int, float]:
        typed, added = expand_query(text)
        if not typed and not added:
            return {}
        resolved = [self._variants(t) for t in typed]
        scores: dict[int, float] = defaultdict(float)
        coverage: dict[int, float] = defaultdict(float)
        total_idf = 0.0
        for variants in resolved:
            if not variants:
                continue
            best_idf = max(self.idf[w] for w, _p in variants)
            total_idf += best_idf
            seen: dict[int, float] = {}
            for word, penalty in variants:
                for doc_id, weight in self.postings[word].items():
                    value = self._bm25(word, doc_id, weight) * penalty
                    if value > seen.get(doc_id, 0.0):
                        seen[doc_id] = value
            for doc_id, value in seen.items():
                scores[doc_id] += value
                coverage[doc_id] += best_idf
        # Phrases: consecutive typed words found side by side in a name count again.
        words = [v[0][0] if v else "" for v in resolved]
        for bigram in _bigrams([w for w in words if w]):
            for doc_id, weight in self.postings.get(bigram, {}).items():
                scores[doc_id] += self._bm25(bigram, doc_id, weight)
        for token in added + _bigrams(added):
            for doc_id, weight in self.postings.get(token, {}).items():
                scores[doc_id] += 0.3 * self._bm25(token, doc_id, weight)
        ranked = {}
        for doc_id, value in scores.items():
            share = coverage[doc_id] / total_idf if total_idf else 1.0
            boost = 1 + POPULARITY_BOOST * math.log10(1 + self.docs[doc_id].popularity)
            ranked[doc_id] = value * (0.3 + 0.7 * share * share) * boost
        return ranked

    def run(self, query: SearchQuery) -> SearchResult:
        if query.text.strip():
            scores = self.score(query.text)
            ordered = sorted(scores, key=lambda d: (-scores[d], -self.docs[d].popularity, self.docs[d].pk))
            if ordered:
                # Drop the long tail that matched a single frequent word.
                floor = scores[ordered[0]] * 0.15
                ordered = [d for d in ordered if scores[d] >= floor]
        else:
            ordered = list(self.by_popularity)
        filters = query.filters()
        facet_counts: dict[str, dict[str, int]] = {name: defaultdict(int) for name in FACETS}
        kept: list[int] = []
        for doc_id in ordered:
            doc = self.docs[doc_id]
            failing = [name for name, value in filters.items() if value not in doc.facets[name]]
            if not failing:
                kept.append(doc_id)
            # A facet's counts ignore the facet's own filter, so the user can switch value.
            for name in FACETS:
                if not failing or failing == [name]:
                    for value in doc.facets[name]:
                        facet_counts[name][value] += 1
        start = (query.page - 1) * query.page_size
        page = [self.docs[d].pk for d in kept[start:start + query.page_size]]
        facets = {
            name: sorted((FacetValue(v, c) for v, c in counts.items()), key=lambda f: (-f.count, f.value))
            for name, counts in facet_counts.items()
        }
        return SearchResult(query=query, total=len(kept), procedure_ids=page, facets=facets)


_lock = threading.Lock()
_state: dict[str, Any] = {"index": None, "checked": 0.0}


def _current_revision() -> str:
    return CatalogRevision.objects.filter(pk=1).values_list("token", flat=True).first() or ""


def get_index() -> SearchIndex:
    """The process's index, rebuilt when the catalog's revision has moved."""
    now = time.monotonic()
    index: SearchIndex | None = _state["index"]
    if index is not None and now - _state["checked"] < settings.SEARCH_INDEX_CHECK_SECONDS:
        return index
    revision = _current_revision()
    if index is not None and index.revision == revision:
        _state["checked"] = now
        return index
    with _lock:
        index = _state["index"]
        if index is None or index.revision != revision:
            index = SearchIndex.build(revision)
            _state["index"] = index
        _state["checked"] = now
    return index


def search_procedures(query: SearchQuery) -> SearchResult:
    return get_index().run(query)
