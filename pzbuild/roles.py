"""Guess the column roles of a table (id, ra, dec, z, z_err, z_flag, survey) from its names.

No data is read and nothing is learned: each column name is cut into words and scored
against a fixed table per role, and the best column above a threshold wins. The scheme:

1. **Words.** The name is split at every character that is not a letter or a digit and at
   camelCase humps, then lower-cased: ``Alpha_J2000`` -> ``alpha j2000``, ``objectId`` ->
   ``object id``. A word glued to a role's *head* is cut when the rest is made only of known
   qualifiers: ``RAdeg`` -> ``ra deg``, ``DEJ2000`` -> ``de j2000``, ``zfinal`` -> ``z
   final``, ``ZWARN`` -> ``z warn``, ``specz`` -> ``spec z``, ``e_z``/``ez`` -> ``e z``.
2. **Head.** A column is a candidate for a role only if one of its words is a head of that
   role (``ra``/``alpha`` for ra, ``dec``/``de``/``delta``/``decl`` for dec, ``z``/``redshift``
   for z, ``flag``/``quality``/``warn``/``qop``... for z_flag, ``id``/``name``/``num`` for
   id, ``survey``/``source``/``origin`` for survey). The head gives the base score, 100 for
   the usual words (a z_flag head 80, +30 when the name also holds z: ``ZWARN``, ``q_z``).
   A z_err column must also hold an error word (``ZERR``, ``e_z``, ``sigma_z``).
3. **Other words.** Each other word adds or removes points from the role's table, e.g. for z:
   ``best``/``final`` +30, ``spec``/``s`` +10, ``helio`` -5, ``phot`` -30. Some words rule a
   column out of the role: for z an error word (``err``, ``sigma``, ``e``), a flag word, a
   magnitude or flux word or a filter system (``mag``, ``flux``, ``lsst``, ``sdss`` ...); for
   ra/dec a sexagesimal part (``h``, ``m``, ``s``, ``d``), an error or a proper motion.
   An unknown word costs 10 after the head, 25 if it has one or two letters (``z_best_s`` is
   the *source* of ``z_best``, not a redshift), and 20 before the head (``rf_z_best``; 10 for
   id, where a survey name often comes first: ``OzDES_ID``).
4. **Exact name.** A column named by the head alone gets +25 for z and id (``z`` beats
   ``zspec``: a catalog that also keeps ``zspec`` made ``z`` its choice; ``zfinal`` and
   ``z_best`` still beat ``z``).
5. **Bands.** A z-like column is a photometric band when at least two columns have the same
   name with ``z`` replaced by another band letter (``z`` beside ``g``, ``r``, ``i``; ``ez``
   beside ``eg``, ``er``): ruled out, and said so. A colour (``i-z``, ``ei-z``) is too.
6. **Pairs.** dec gets +5 when its qualifiers are those of the chosen ra (``DEJ2000_WFI``
   with ``RAJ2000_WFI``) and, on a tie, the column nearest to ra wins. z_err and z_flag get
   +10 when their qualifiers are those of the chosen z (``zfinal_quality`` with ``zfinal``).
7. **Choice.** Roles are chosen in the order ra, dec, z, z_err, z_flag, id, survey; a column
   takes at most one role; the best score of at least :data:`MIN_SCORE` wins and ties go to
   the earlier column. Every candidate, and every column ruled out with its reason, is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

ROLES = ("id", "ra", "dec", "z", "z_err", "z_flag", "survey")
_ORDER = ("ra", "dec", "z", "z_err", "z_flag", "id", "survey")
MIN_SCORE = 60
_OUT = None  # a word that rules a column out of a role

_ERR = dict.fromkeys(("err", "error", "errs", "sigma", "sig", "e", "unc", "uncertainty", "std",
                      "rms", "var", "ivar", "dz"), _OUT)
_FLAG = dict.fromkeys(("flag", "flags", "flg", "qual", "quality", "q", "warn", "conf", "qf",
                       "qop", "status", "zwarning", "grade"), _OUT)
_BAND = dict.fromkeys(("mag", "flux", "band", "abmag", "lsst", "sdss", "des", "hsc", "cfhtls",
                       "cfht", "decam", "megacam", "ps1", "kids", "ukidss", "vista", "wise",
                       "lum", "snr", "sn", "tsnr2", "ext", "extinction"), _OUT)
_META = dict.fromkeys(("type", "class", "survey", "source", "origin", "ref", "id", "name",
                       "comment", "note", "src", "inst", "instrument", "tel", "n", "num",
                       "count", "nspec", "prob", "pdf", "grid", "bins", "bin", "chi2", "chisq",
                       "weight", "w", "odds", "l68", "u68", "l95", "u95", "l99", "u99", "lo",
                       "hi", "low", "high", "lower", "upper", "limit"), _OUT)
_SEXA = dict.fromkeys(("h", "m", "s", "d", "hms", "dms", "hr", "min", "sec", "pm", "rad",
                       "offset", "off", "dra", "ddec"), _OUT)
_POS = {"deg": 10, "degree": 10, "degrees": 10, "j2000": 5, "icrs": 5, "targ": 5,
        "target": 5, "coord": 0, "coords": 0, "gal": 0, "obj": 0, "object": 0, "true": 0,
        "main": 0, "fk5": 0, "b1950": -15, "fk4": -15, "obs": -15, "plate": -15,
        "fiber": -15, "mean": -10, **_ERR, **_SEXA, **_FLAG, **_BAND,
        **dict.fromkeys(("x", "y", "z", "chi2", "type", "id", "name"), _OUT)}
_Z = {"spec": 10, "specz": 10, "s": 10, "spectro": 10, "spectroscopic": 10, "sp": 10, "best": 30,
      "final": 30, "true": 0, "cosmo": 0, "obs": 0, "helio": -5, "cmb": -5, "ml": -5,
      "mode": -5, "peak": -5, "mean": -5, "median": -5, "med": -5, "map": -5, "grism": -5,
      "max": -20, "min": -20, "phot": -30, "photo": -30, "pho": -30, "photoz": -30,
      "photometric": -30, "ph": -30, **_ERR, **_FLAG, **_BAND, **_META}
_ZERR = {**_Z, **{k: 0 for k in _ERR}, "spec": 5, "best": 5, "final": 5}
_ZFLAG = {"z": 30, "redshift": 30, "spec": 0, "best": 0, "final": 0, "homogenized": 5,
          "homogenised": 5, **_ERR, **dict.fromkeys(("mag", "flux", "ra", "dec", "type"), _OUT)}
_ID = {"obj": 10, "object": 10, "target": 10, "targ": 10, "galaxy": 10, "gal": 10,
       "source": 10, "src": 10, "unique": 10, "crd": 10, "spec": 5, "phot": 5, "main": 5,
       "coadd": 0, "cat": 0, "catalog": 0, **_ERR, **_FLAG, **dict.fromkeys(
           ("survey", "ra", "dec", "z", "redshift", "ref", "healpix", "type", "mag", "flux"),
           _OUT)}
_SURVEY = {"name": 10, **_ERR, **_FLAG,
           **dict.fromkeys(("id", "ra", "dec", "type", "flux", "mag"), _OUT), "z": -30,
           "zspec": -30, "spec": -10}


@dataclass(frozen=True)
class _Rule:
    heads: dict[str, int]  # head word -> base score
    words: dict[str, int | None]  # other word -> points, or _OUT
    glue_after: frozenset[str] = frozenset()  # qualifiers that may be glued after a head
    glue_before: frozenset[str] = frozenset()  # ... or before it
    exact: int = 0  # bonus when the name is the head alone
    before: int = -20  # cost of an unknown word before the head


_GLUE_POS = frozenset({"deg", "j2000", "b1950", "h", "m", "s", "d", "err", "targ", "obs"})
_RULES: dict[str, _Rule] = {
    "ra": _Rule({"ra": 100, "alpha": 100, "ascension": 100, "rightascension": 100},
                {**_POS, "right": 0},
                _GLUE_POS, frozenset({"pm", "obs", "plate", "target", "e", "err"})),
    "dec": _Rule({"dec": 100, "de": 100, "delta": 100, "decl": 100, "declination": 100},
                 _POS, _GLUE_POS, frozenset({"pm", "obs", "plate", "target", "e", "err"})),
    "z": _Rule({"z": 100, "redshift": 100}, _Z,
               frozenset({"spec", "s", "best", "final", "phot", "photo", "pho", "err", "error",
                          "sig", "sigma", "flag", "flags", "flg", "qual", "quality", "q",
                          "warn", "conf", "helio", "true", "mag", "ml", "mode", "peak", "cmb"}),
               frozenset({"spec", "phot", "photo", "best", "true", "e", "err", "sigma", "q"}),
               exact=25),
}
_RULES["z_err"] = _Rule(_RULES["z"].heads, _ZERR, _RULES["z"].glue_after,
                        _RULES["z"].glue_before)
_RULES["z_flag"] = _Rule({"flag": 80, "flags": 80, "flg": 80, "quality": 80, "qual": 80,
                          "warn": 80, "qop": 80, "qf": 75, "conf": 70, "q": 60,
                          "zwarning": 100}, _ZFLAG)
_RULES["id"] = _Rule({"id": 100, "ident": 90, "identifier": 90, "name": 70,
                      "num": 60, "number": 60, "serial": 60, "seq": 60}, _ID,
                     glue_before=frozenset(_ID) - {"coadd", "cat", "catalog"}, exact=25,
                     before=-10)
_RULES["survey"] = _Rule({"survey": 100, "source": 85, "origin": 85}, _SURVEY, exact=5)
_NEED = {"z_err": frozenset(_ERR)}  # a z_err column must also hold an error word
_BAND_LETTERS = "ugriybvjhk"
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[0-9])(?=[A-Z][a-z])")


@dataclass(frozen=True)
class Candidate:
    """A column that may hold a role, with its score and how the score was reached."""

    column: str
    score: int
    why: str


@dataclass(frozen=True)
class RoleResult:
    """The guess for one role: the column chosen (or None) and what else was seen."""

    role: str
    column: str | None
    candidates: tuple[Candidate, ...]  # best first, the chosen one included
    rejected: tuple[tuple[str, str], ...]  # (column, why it cannot hold the role)

    @property
    def reason(self) -> str:
        """One line for a person: why this column, or why none."""
        others = [c for c in self.candidates if c.column != self.column]
        also = ", ".join(f"{c.column} ({c.score})" for c in others[:4])
        if self.column is not None:
            best = next(c for c in self.candidates if c.column == self.column)
            text = f"{best.column}: score {best.score} ({best.why})"
            return f"{text}; also seen: {also}" if also else text
        if also:
            return f"no column scored {MIN_SCORE} or more; seen: {also}"
        if self.rejected:
            return "none; ruled out: " + ", ".join(f"{c} ({w})" for c, w in self.rejected[:4])
        return "no column name looks like it"


@dataclass(frozen=True)
class RoleGuess:
    """The guessed role of every column role, in the order of :data:`ROLES`."""

    results: dict[str, RoleResult]

    def __getitem__(self, role: str) -> str | None:
        return self.results[role].column

    def as_columns(self) -> dict[str, str | None]:
        """The ``columns:`` mapping of product.yaml."""
        return {role: self.results[role].column for role in ROLES}

    @property
    def missing(self) -> list[str]:
        return [role for role in ROLES if self.results[role].column is None]


def guess_roles(column_names: Sequence[str]) -> RoleGuess:
    """Guess which column holds each role; see the module docstring for the scoring."""
    names = list(column_names)
    lowered = {n.lower() for n in names}
    scored: dict[str, list[_Scored]] = {role: [] for role in ROLES}
    rejected: dict[str, list[tuple[str, str]]] = {role: [] for role in ROLES}
    for role in ROLES:
        for index, name in enumerate(names):
            outcome = _score(role, name, lowered)
            if outcome is None:
                continue
            score, why = outcome
            if score is None:
                rejected[role].append((name, why))
            else:
                scored[role].append((score, index, name, why))

    chosen: dict[str, str | None] = {}
    used: set[str] = set()
    for role in _ORDER:
        scored[role] = _rank(role, scored[role], chosen, names)
        pick = next((c for c in scored[role] if c[0] >= MIN_SCORE and c[2] not in used), None)
        chosen[role] = pick[2] if pick else None
        if pick:
            used.add(pick[2])
    return RoleGuess({role: RoleResult(
        role, chosen[role],
        tuple(Candidate(name, score, why) for score, _, name, why in scored[role]),
        tuple(rejected[role])) for role in ROLES})


_Scored = tuple[int, int, str, str]  # score, column index, column name, why


def _rank(role: str, cands: list[_Scored], chosen: dict[str, str | None], names: list[str]
          ) -> list[_Scored]:
    """Apply the pair bonus and sort best first (ties: nearest to the partner, then order)."""
    partner = {"dec": "ra", "z_err": "z", "z_flag": "z"}.get(role)
    ref = chosen.get(partner) if partner else None
    bonus = 5 if role == "dec" else 10
    keyed: list[tuple[int, int, _Scored]] = []
    for score, index, name, why in cands:
        distance = 0
        if ref is not None and partner is not None:
            mine = _qualifiers(name, role)
            if mine is not None and mine == _qualifiers(ref, partner):
                score, why = score + bonus, f"{why}, +{bonus} pairs with {ref}"
            if role == "dec":
                distance = abs(index - names.index(ref))
        keyed.append((-score, distance, (score, index, name, why)))
    keyed.sort(key=lambda k: (k[0], k[1], k[2][1]))
    return [item for _, _, item in keyed]


def _score(role: str, name: str, lowered: set[str]) -> tuple[int | None, str] | None:
    """(score, why) for a column holding one of the role's heads; (None, why) when it is
    ruled out; None when it has no head of the role."""
    rule = _RULES[role]
    tokens = _expand(_words(name), role)
    heads = [i for i, t in enumerate(tokens) if t in rule.heads]
    if not heads or (role in _NEED and not _NEED[role] & set(tokens)):
        return None
    if role != "id" and any(("mag" in t or "flux" in t) and t not in rule.heads
                            for t in tokens):
        return None, "a magnitude or flux"
    if role in ("z", "z_err") and _is_band(name, tokens, lowered):
        return None, "a photometric band (the same name exists for other bands)"
    at = max(heads, key=lambda i: (rule.heads[tokens[i]], -i))
    score = rule.heads[tokens[at]]
    notes = [f"'{tokens[at]}' {score}"]
    if len(tokens) == 1 and rule.exact:
        score += rule.exact
        notes.append(f"+{rule.exact} exact name")
    for i, tok in enumerate(tokens):
        if i == at or tok in rule.heads:
            continue  # a second head word (q_flag) adds nothing
        if tok in rule.words:
            points = rule.words[tok]
            if points is None:
                return None, f"'{tok}' in the name"
            if tok == "s" and len(tokens) != 2:
                points = -25  # z_s is a spec-z; the s of z_best_s is something else
        elif tok.isdigit():
            points = -5
        elif i < at:
            points = rule.before
        else:
            points = -25 if len(tok) <= 2 else -10
        if points:
            score += points
            notes.append(f"{points:+d} '{tok}'")
    return score, ", ".join(notes)


def _is_band(name: str, tokens: list[str], lowered: set[str]) -> bool:
    """z in ugriz: two columns with this name's z replaced by another band letter, or a
    colour such as i-z."""
    low = name.lower()
    if any(len(t) == 1 and t in "ugriy" for t in tokens) or re.fullmatch(
            r"[a-z]{1,2}-[a-z]{1,2}", low):
        return True
    for pos in (m.start() for m in re.finditer("z", low)):
        siblings = sum(low[:pos] + b + low[pos + 1:] in lowered for b in _BAND_LETTERS)
        if siblings >= 2:
            return True
    return False


def _qualifiers(name: str, role: str) -> tuple[str, ...] | None:
    """The words of a column beyond its head, error and flag words, to pair it with ra or z;
    None for a z_flag column that does not name z."""
    tokens = _expand(_words(name), role)
    if role == "z_flag" and not {"z", "redshift"} & set(tokens):
        return None
    skip = set(_RULES[role].heads) | set(_ERR) | set(_FLAG) | {"z", "redshift"}
    return tuple(t for t in tokens if t not in skip)


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[^0-9a-z]+", _CAMEL.sub("_", name).lower()) if w]


def _expand(words: list[str], role: str) -> list[str]:
    """Cut glued words; z_err and z_flag first cut z off (``zwarn``, ``zfinal_quality``)."""
    for r in ("z", role) if role in ("z_err", "z_flag") else (role,):
        rule = _RULES[r]
        words = [part for word in words for part in
                 _split_glued(word, tuple(rule.heads), rule.glue_after, rule.glue_before)]
    return words


@cache
def _split_glued(word: str, heads: tuple[str, ...], after: frozenset[str],
                 before: frozenset[str]) -> tuple[str, ...]:
    """``radeg`` -> (ra, deg), ``specz`` -> (spec, z); other words are left whole."""
    if word in heads:
        return (word,)
    for head in sorted(heads, key=len, reverse=True):
        if word.startswith(head) and (rest := _segment(word[len(head):], after)):
            return (head, *rest)
        if word.endswith(head) and (rest := _segment(word[: -len(head)], before)):
            return (*rest, head)
    return (word,)


def _segment(text: str, lexicon: Iterable[str]) -> tuple[str, ...] | None:
    """``text`` cut into the fewest words of ``lexicon``, or None."""
    if not text:
        return None
    lex = set(lexicon)
    best: list[tuple[str, ...] | None] = [()] + [None] * len(text)
    for end in range(1, len(text) + 1):
        for start in range(end):
            prev = best[start]
            if prev is not None and text[start:end] in lex:
                cand = (*prev, text[start:end])
                if best[end] is None or len(cand) < len(best[end] or ()):
                    best[end] = cand
    return best[-1]
