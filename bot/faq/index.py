"""Find the FAQ topic a question is about, or decide not to answer.

Each topic's canonical question and examples are documents. A word the library has
never seen is first corrected to a known word one edit away ("suat" → "xuat" next
to "sot"). Two BM25 indexes (bm25s) then pick the candidate topics: one over words
and word pairs ("sang_loc"), one over character trigrams inside words, which
tolerates the typos left. The candidates are the topics with the best documents.

A third BM25 index holds one document per topic, all its examples together, so words a
question takes from different examples of one topic add up ("tiêm" from one, "mất tiền"
from another). Candidates are ordered by confidence: the best document's word BM25
score (how closely the question is phrased like something the library knows) times the
topic's share of the best whole-topic score (which topic it is) times the share of the
question's word weight (IDF) that the topic's vocabulary covers, so a question full of
words the library has never seen ("giá vàng hôm nay") stays low even when one common
word matches. It is squashed into 0..1; THRESHOLD was calibrated on the held-apart
blind_dev and blind_dev2 sets by the out-of-scope answered rate (see THRESHOLD and
`loaphuong bench faq-eval`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, pairwise

import bm25s
import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.faq.normalize import Normalizer, PhraseSet, Typed, fold_word, mostly_marked, words
from bot.faq.synonyms import Rewriter
from content.faq import EMERGENCY_LEAD, FaqEntry, Signals, Synonyms

# x / (x + SCALE) maps the evidence x (BM25 × topic share × coverage) into 0..1.
SCALE = 2.0
# Below THRESHOLD: no answer, offer the closest topics and a hand-off to staff.
# Chosen by the out-of-scope answered rate (target ≤ 10 %) on the two held-apart blind
# sets together, bench/data/faq_blind_dev.tsv and faq_blind_dev2.tsv (96 out-of-scope
# questions), not by accuracy: at 0.5 it answers 1 of them (1.0 %) with 97.4 % / 96.7 %
# right in scope; 0.45 answers 4 (4.2 %) for one more right answer; 0.40 answers 14
# (14.6 %); 0.55 answers none but loses 3 right answers. Leave-one-out is 85.7 % at 0.45,
# 85.2 % at 0.5. A frozen blind set once answered more out of scope than its dev set
# did, so 0.5 keeps the margin.
THRESHOLD = 0.5
# A question naming an off-topic subject (lottery, weather…) needs more evidence.
OFF_TOPIC_THRESHOLD = 0.65
# An emergency question keeps another topic's answer (115 first) only when this sure;
# less sure, the emergency answer itself is the safer reply.
EMERGENCY_KEEP_THRESHOLD = 0.65
# Below this, a question none of whose words a topic requires is taken as off topic.
UNRELATED = 0.4
EMERGENCY_TOPIC = "station.emergency"
ALTERNATIVES = 3
# Topics scored for confidence per question (the BM25 front-runners).
CANDIDATES = 16
# A number before one of these is an age or a duration ("bé 1 tháng sốt có sao không"),
# not a value to judge.
DURATIONS = frozenset({"tuoi", "thang", "tuan", "ngay", "nam", "gio", "tieng", "phut"}) | frozenset(
    {"year", "years", "month", "months", "week", "weeks", "day", "days", "hour", "hours"}
)
# Shorter words are not typo-corrected: one edit turns them into other real words.
MIN_TYPO_LENGTH = 4


@dataclass(frozen=True)
class Match:
    """The outcome of one question.

    `id`/`answer` are None when the bot should not answer (low confidence or off
    topic); `alternatives` are the closest other topics, best first. An emergency
    answer starts with the call-115 line."""

    id: str | None
    score: float
    answer: str | None
    alternatives: tuple[str, ...] = ()
    emergency: bool = False
    off_topic: bool = False
    # A dose, a diagnosis or a value to judge: for a health worker, not the library.
    advice: bool = False
    lang: str = "vi"  # the language of the answer (the question's)


def word_features(tokens: Sequence[str]) -> list[str]:
    return [*tokens, *(f"{a}_{b}" for a, b in pairwise(tokens))]


def char_features(tokens: Sequence[str]) -> list[str]:
    return list(chain.from_iterable(map(_trigrams, tokens)))


@lru_cache(maxsize=65536)
def _trigrams(word: str) -> tuple[str, ...]:
    padded = f" {word} "
    return tuple(padded[i : i + 3] for i in range(len(padded) - 2))


def _bm25(corpus: list[list[str]]) -> bm25s.BM25:
    index = bm25s.BM25()
    index.index(corpus, show_progress=False)
    return index


class FaqIndex:
    """Built once per language; `ask` is read-only and safe to share."""

    def __init__(
        self,
        entries: Sequence[FaqEntry],
        normalizer: Normalizer,
        signals: Signals,
    ) -> None:
        self.entries = {entry.id: entry for entry in entries}
        self._topics = list(self.entries)
        self._normalizer = normalizer
        self._emergency = PhraseSet.build(signals.emergency)
        self._not_emergency = PhraseSet.build(signals.not_emergency)
        self._off_topic = PhraseSet.build(signals.off_topic)
        self._health = PhraseSet.build(signals.health)
        self._emergency_reply = signals.emergency_reply
        self._advice = PhraseSet.build(signals.advice)
        self._advice_with_number = PhraseSet.build(signals.advice_with_number)
        position = {topic: i for i, topic in enumerate(self._topics)}
        self._not_about = [
            (
                PhraseSet.build(rule.words),
                frozenset(position[t] for t in rule.topics if t in position),
                rule.exact,
            )
            for rule in signals.not_about
        ]
        # A topic that names required words answers only questions that use one of them
        # (and one of `requires_also`, when it has that too).
        self._anchors = [
            tuple(PhraseSet.build(group) for group in (e.requires, e.requires_also) if group)
            for e in entries
        ]
        texts = [(i, text) for i, e in enumerate(entries) for text in (e.question, *e.examples)]
        self._doc_topic = np.array([i for i, _ in texts])
        expanded = [normalizer.tokens(text) for _, text in texts]
        docs = [[fold_word(token) for token in tokens] for tokens in expanded]
        self._words = _bm25([word_features(doc) for doc in docs])
        topic_docs: list[list[str]] = [[] for _ in entries]
        for (i, _), doc in zip(texts, docs, strict=True):
            topic_docs[i].extend(word_features(doc))
        self._whole_topics = _bm25(topic_docs)
        self._chars = _bm25([char_features(doc) for doc in docs])
        frequency = Counter(word for doc in docs for word in set(doc))
        self._idf = {w: _idf(len(docs), n) for w, n in frequency.items()}
        self._unknown_idf = _idf(len(docs), 0)
        self._vocabulary = sorted(self._idf)
        self._near = lru_cache(maxsize=4096)(self._known_words_one_edit_away)
        # Words the library itself writes without diacritics ("an toàn", "ho"): typed so in
        # a question typed with diacritics, they are meant so.
        self._plain = frozenset(
            word
            for tokens, doc in zip(expanded, docs, strict=True)
            if mostly_marked(tokens, doc)
            for word, folded in zip(tokens, doc, strict=True)
            if word == folded
        )
        self._topic_words = [set() for _ in entries]
        for (i, _), doc in zip(texts, docs, strict=True):
            self._topic_words[i].update(doc)

    @classmethod
    def build(
        cls,
        entries: Sequence[FaqEntry],
        abbreviations: Mapping[str, str],
        signals: Signals | None = None,
        synonyms: Synonyms | None = None,
    ) -> FaqIndex:
        rewriter = Rewriter.build(synonyms) if synonyms else None
        normalizer = Normalizer.build(abbreviations, rewriter.rewrite if rewriter else None)
        return cls(entries, normalizer, signals or Signals())

    def rank(self, text: str, limit: int = ALTERNATIVES + 1) -> list[tuple[str, float]]:
        """Topics that may answer `text` (their required words present), with their
        confidence (0..1), best first."""
        answerable, _ = self._rank(text)
        return [(self._topics[i], score) for i, score in answerable[:limit]]

    def ask(self, text: str) -> Match:
        tokens = self._normalizer.tokens(text)
        answerable, nearest = self._rank(text, tokens)
        # With no topic allowed to answer, the score says how near the nearest one came.
        best, score = answerable[0] if answerable else (None, nearest[0][1] if nearest else 0.0)
        typed = Typed.of(tokens)
        off_topic = bool(self._off_topic.find_in(typed))
        confident = best is not None and score >= (OFF_TOPIC_THRESHOLD if off_topic else THRESHOLD)
        if self._is_emergency(typed):
            # The topic asked about keeps its answer (115 first) when it is an emergency
            # topic itself or clearly the subject; otherwise the emergency answer.
            keep = best is not None and (
                self.entries[self._topics[best]].emergency or score >= EMERGENCY_KEEP_THRESHOLD
            )
            return self._emergency_match(best if keep else None, score, answerable)
        if self._is_advice(typed):
            return Match(id=None, score=round(score, 4), answer=None, advice=True)
        if confident:
            topic = self._topics[best]
            others = tuple(self._topics[i] for i, _ in answerable[1 : ALTERNATIVES + 1])
            return Match(topic, round(score, 4), self.entries[topic].answer, others)
        return Match(
            id=None,
            score=round(score, 4),
            answer=None,
            # The closest topics, even those whose required words are missing: as buttons
            # ("did you mean…?") they are a fair offer, as an answer they were not.
            alternatives=tuple(self._topics[i] for i, _ in nearest[:ALTERNATIVES]),
            off_topic=off_topic or self._unrelated(typed, answerable, nearest),
        )

    def _is_emergency(self, typed: Typed) -> bool:
        """An emergency phrase that is not part of a harmless one ("ngạt mũi", "bảo hiểm
        tai nạn") is present."""
        emergencies = self._emergency.find_in(typed)
        if not emergencies:  # most questions: the harmless phrases need no look
            return False
        harmless = self._not_emergency.find_in(typed)
        return any(not any(span.within(other) for other in harmless) for span in emergencies)

    def _is_advice(self, typed: Typed) -> bool:
        """A dose or diagnosis asked, or a lab value or reading given to judge."""
        if self._advice.find_in(typed):
            return True
        folded = typed.folded
        has_value = any(
            any(ch.isdigit() for ch in word) and (folded[i + 1 : i + 2] or [""])[0] not in DURATIONS
            for i, word in enumerate(folded)
        )
        return has_value and bool(self._advice_with_number.find_in(typed))

    def _emergency_match(
        self, best: int | None, score: float, answerable: list[tuple[int, float]]
    ) -> Match:
        topic = EMERGENCY_TOPIC if best is None else self._topics[best]
        others = tuple(self._topics[i] for i, _ in answerable if self._topics[i] != topic)
        return Match(
            id=topic if topic in self.entries else None,
            # Sent to 115 by rule, not by similarity: that decision is certain.
            score=1.0 if best is None else round(score, 4),
            answer=self._emergency_answer(topic),
            alternatives=others[:ALTERNATIVES],
            emergency=True,
        )

    def _unrelated(
        self,
        typed: Typed,
        answerable: list[tuple[int, float]],
        nearest: list[tuple[int, float]],
    ) -> bool:
        """No topic's required words are in the question, no topic is near, and no health
        word is there: not a question for the station ("thủ tục ly hôn", "nấu bún")."""
        if any(self._anchors[i] for i, _ in answerable) or self._health.find_in(typed):
            return False
        return not nearest or nearest[0][1] < UNRELATED

    def _emergency_answer(self, topic: str) -> str:
        entry = self.entries.get(topic)
        if entry is None:
            return self._emergency_reply
        if "115" in entry.answer[:EMERGENCY_LEAD] or not self._emergency_reply:
            return entry.answer
        return f"{self._emergency_reply}\n\n{entry.answer}"

    def _rank(
        self, text: str, tokens: list[str] | None = None
    ) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        """(topics that may answer, all nearest topics), each by confidence, best first."""
        tokens = self._normalizer.tokens(text) if tokens is None else tokens
        corrected, seen = self._read(tokens)
        nearest = self._nearest(corrected)
        read = Typed.of(seen, self._literal(text))
        barred = self._barred(tokens)
        answerable = [
            (i, score) for i, score in nearest if i not in barred and self._anchored(i, read)
        ]
        return answerable, nearest

    def _barred(self, tokens: list[str]) -> frozenset[int]:
        """Topics a not_about word rules out. The words are read as typed, not
        typo-corrected: "post office" is not "cost office"."""
        typed = Typed.of(tokens)
        as_written = typed._replace(loose=[False] * len(tokens))
        return frozenset().union(
            *(
                topics
                for phrases, topics, exact in self._not_about
                if phrases.find_in(as_written if exact else typed)
            )
        )

    def uses_required_word(self, topic: str, text: str) -> bool:
        """Whether `text` has one of the words `topic` requires (content check)."""
        _, seen = self._read(self._normalizer.tokens(text))
        return self._anchored(self._topics.index(topic), Typed.of(seen, self._literal(text)))

    def _literal(self, text: str) -> frozenset[str]:
        """Unmarked words to take as written, not as an unmarked spelling of another."""
        typed = words(text)
        folded = [fold_word(word) for word in typed]
        return self._plain if mostly_marked(typed, folded) else frozenset()

    def _read(self, tokens: list[str]) -> tuple[list[str], list[str]]:
        """(folded, typo-corrected words for retrieval; words for the required-word check).

        The check reads a word typed with diacritics as typed ("cần" is not "cắn") and
        one typed without as corrected ("suat" → "xuat"), so mixed typing works."""
        corrected = self._correct([fold_word(token) for token in tokens])
        seen = [
            token if fold_word(token) != token else fixed
            for token, fixed in zip(tokens, corrected, strict=True)
        ]
        return corrected, seen

    def _anchored(self, topic: int, seen: Typed) -> bool:
        return all(group.find_in(seen) for group in self._anchors[topic])

    def _nearest(self, tokens: list[str]) -> list[tuple[int, float]]:
        """Candidates by BM25 (words + trigrams), then ordered by confidence."""
        word_scores = self._scores(self._words, word_features(tokens))
        char_scores = self._scores(self._chars, char_features(tokens))
        if not word_scores.any() and not char_scores.any():
            return []
        combined = word_scores / (word_scores.max() or 1.0)
        combined += char_scores / (char_scores.max() or 1.0)
        by_topic = np.zeros(len(self._topics))
        np.maximum.at(by_topic, self._doc_topic, combined)
        closest = float(word_scores.max())
        topic_scores = self._scores(self._whole_topics, word_features(tokens))
        topic_share = topic_scores / (topic_scores.max() or 1.0)
        candidates = [i for i in np.argsort(-by_topic, kind="stable")[:CANDIDATES] if by_topic[i]]
        # Each word once: a story repeating "em" or "con" is not less about its topic.
        distinct = set(tokens)
        total = sum(self._idf.get(t, self._unknown_idf) for t in distinct) or 1.0
        ranked = []
        for i in candidates:
            known = sum(self._idf[t] for t in distinct if t in self._topic_words[i])
            evidence = closest * float(topic_share[i]) * known / total
            ranked.append((int(i), evidence / (evidence + SCALE)))
        ranked.sort(key=lambda item: -item[1])
        return ranked

    def _correct(self, tokens: list[str]) -> list[str]:
        """Replace a word the library has never seen by a known word one edit away,
        preferring one that forms a known word pair with its neighbours."""
        out = list(tokens)
        for i, token in enumerate(tokens):
            if token in self._idf or len(token) < MIN_TYPO_LENGTH or token.isdigit():
                continue
            options = self._near(token)
            if not options:
                continue
            before = tokens[i - 1] if i else None
            after = tokens[i + 1] if i + 1 < len(tokens) else None
            out[i] = max(options, key=lambda word, b=before, a=after: self._fit(word, b, a))
        return out

    def _fit(self, word: str, before: str | None, after: str | None) -> tuple[int, float]:
        """Known word pairs it makes with its neighbours, then commonness."""
        pairs = self._words.vocab_dict
        found = (before is not None and f"{before}_{word}" in pairs) + (
            after is not None and f"{word}_{after}" in pairs
        )
        return found, -self._idf[word]

    def _known_words_one_edit_away(self, token: str) -> tuple[str, ...]:
        found = process.extract(
            token, self._vocabulary, scorer=Levenshtein.distance, score_cutoff=1, limit=None
        )
        return tuple(word for word, _distance, _index in found)

    @staticmethod
    def _scores(index: bm25s.BM25, features: Iterable[str]) -> np.ndarray:
        vocab = index.vocab_dict
        ids = [vocab[f] for f in features if f in vocab]
        if not ids:
            return np.zeros(index.scores["num_docs"], dtype=np.float32)
        return index.get_scores(ids).astype(np.float64)


def _idf(documents: int, frequency: int) -> float:
    return math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))
