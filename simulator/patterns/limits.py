"""EventBridge's service-side limits on patterns (semantics.md §4), checked after compilation.

* ``TEST_EVENT_PATTERN_MAX_LENGTH``: TestEventPattern takes at most 4096 characters [D]; rules
  default to 2048 (raisable to 4096), which the local cloud's PutRule may pass as ``max_length``.
* ``MAX_OR_COMBINATIONS``: more than 1000 ``$or`` combinations are rejected [D]; counted as
  event-ruler counts compiled branches (§5.10).  AWS's message is unrecorded; ours is marked so.
* Wildcard complexity (§2.5, §5.8): event-ruler's ``MachineComplexityEvaluator`` scores the most
  wildcard-rule prefixes one input can keep alive at once.  We compute that measure on the
  position automaton of each wildcard (the operand wrapped in quotes, ``*`` as a self-loop),
  summed over the wildcards that share a field, exploring every reachable state set.  It gives
  event-ruler's score on all 15 patterns measured in §2.5 and on 760 random wildcards run
  through event-ruler 2.0.1 (built from source).  AWS accepts 7 and rejects 11
  (``content_wildcard_complex_EXC``); as semantics.md §5.8 chooses, we reject above 10 and flag
  8-10 as unverified.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

TEST_EVENT_PATTERN_MAX_LENGTH = 4096
RULE_PATTERN_DEFAULT_MAX_LENGTH = 2048
MAX_OR_COMBINATIONS = 1000
MAX_WILDCARD_COMPLEXITY = 10  # reject above this score (see module docstring)
UNVERIFIED_COMPLEXITY = 8  # 8-10: accepted, AWS's answer unrecorded

TOO_COMPLEX = (
    "Rule is too complex - try using fewer wildcard characters or fewer repeating character "
    "sequences after a wildcard character"
)
# Unrecorded (semantics.md §4, §5.10): AWS's wording for too many $or combinations.
TOO_MANY_COMBINATIONS = (
    "Rule is too complex - the event pattern has more than 1000 combinations of $or branches"
)
LENGTH_MESSAGE = (
    "1 validation error detected: Value at 'eventPattern' failed to satisfy constraint: "
    "Member must have length less than or equal to {limit}"
)

_STAR = None
_MAX_STATE_SETS = 20000


def _tokens(pieces: Sequence[str | None]) -> list[str | None]:
    tokens: list[str | None] = ['"']
    for piece in pieces:
        if piece is None:
            tokens.append(_STAR)
        else:
            tokens.extend(piece.encode("utf-8", "surrogatepass").decode("latin-1"))
    tokens.append('"')
    return tokens


def _closure(tokens: list[str | None], states: Iterable[int]) -> frozenset[int]:
    out: set[int] = set()
    for state in states:
        out.add(state)
        while state < len(tokens) and tokens[state] is _STAR:
            state += 1
            out.add(state)
    return frozenset(out)


def _step(tokens: list[str | None], states: frozenset[int], char: str) -> frozenset[int]:
    nxt: list[int] = []
    for state in states:
        if state > 0 and tokens[state - 1] is _STAR:
            nxt.append(state)
        if state < len(tokens) and tokens[state] == char:
            nxt.append(state + 1)
    return _closure(tokens, nxt)


def wildcard_complexity(wildcards: Sequence[Sequence[str | None]], cap: int = 64) -> int:
    """Most automaton states alive at once over all inputs, summed over ``wildcards`` (one field).

    Each wildcard is its parsed pieces (literal strings and None for ``*``).  Stops at ``cap``.
    """
    if not wildcards:
        return 0
    machines = [_tokens(pieces) for pieces in wildcards]
    alphabet = [*sorted({t for tokens in machines for t in tokens if t is not _STAR}), "\x00"]
    start = tuple(_closure(tokens, [0]) for tokens in machines)
    seen = {start}
    queue = [start]
    best = 0
    while queue and len(seen) < _MAX_STATE_SETS:
        current = queue.pop()
        best = max(best, sum(len(states) for states in current))
        if best >= cap:
            return cap
        for char in alphabet:
            following = tuple(
                _step(tokens, states, char)
                for tokens, states in zip(machines, current, strict=True)
            )
            if any(following) and following not in seen:
                seen.add(following)
                queue.append(following)
    return best
