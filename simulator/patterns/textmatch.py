"""String operands: EventBridge's case folding (§2.4) and wildcard syntax (§2.5)."""

from __future__ import annotations

import re

# -- case folding (§2.4) ------------------------------------------------------------------------


def _alternatives(char: str) -> tuple[str, ...]:
    if ord(char) > 0xFFFF:
        return ("?", "?")  # two lone surrogates, each encoded by Java as "?"
    return tuple(sorted({char.lower(), char.upper()}))


def ignore_case_regex(operand: str) -> str:
    parts: list[str] = []
    for char in operand:
        for unit_alternatives in _unit_alternatives(char):
            options = sorted(set(unit_alternatives), key=len, reverse=True)
            parts.append("(?:" + "|".join(re.escape(option) for option in options) + ")")
    return "".join(parts)


def _unit_alternatives(char: str) -> list[tuple[str, ...]]:
    if ord(char) > 0xFFFF:
        return [("?",), ("?",)]
    return [_alternatives(char)]


class IgnoreCase:
    """Matches a string against an operand under EventBridge's case folding, anchored as asked."""

    __slots__ = ("_lower", "_regex", "mode", "operand")

    def __init__(self, operand: str, mode: str) -> None:
        self.operand, self.mode = operand, mode
        self._lower = operand.lower() if operand.isascii() else None
        body = ignore_case_regex(operand)
        pattern = {"equals": body + r"\Z", "prefix": body, "suffix": body + r"\Z"}[mode]
        self._regex = re.compile(pattern, re.DOTALL)

    def test(self, value: str) -> bool:
        lower, size = self._lower, len(self.operand)
        if lower is not None:
            if self.mode == "equals":
                part = value
            elif self.mode == "prefix":
                part = value[:size]
            else:
                part = value[len(value) - size :]
            return len(part) == size and part.isascii() and part.lower() == lower
        if self.mode == "suffix":
            return self._regex.search(value) is not None
        return self._regex.match(value) is not None


# -- wildcard (§2.5) ------------------------------------------------------------------------------


class WildcardSyntaxError(ValueError):
    pass


def parse_wildcard(operand: str) -> list[str | None]:
    """event-ruler's ``WildcardParser``: literal runs and None for ``*``.

    Positions in messages are UTF-8 byte offsets into the operand wrapped in quotes.
    """
    data = operand.encode("utf-8", "surrogatepass")
    pieces: list[str | None] = []
    literal = bytearray()
    index = 0
    while index < len(data):
        byte = data[index]
        if byte == 0x2A:  # *
            if index + 1 < len(data) and data[index + 1] == 0x2A:
                raise WildcardSyntaxError(f"Consecutive wildcard characters at pos {index + 1}")
            if literal:
                pieces.append(literal.decode("utf-8", "surrogatepass"))
                literal = bytearray()
            pieces.append(None)
        elif byte == 0x5C:  # backslash
            if index + 1 < len(data) and data[index + 1] in (0x2A, 0x5C):
                literal.append(data[index + 1])
                index += 2
                continue
            raise WildcardSyntaxError(f"Invalid escape character at pos {index + 1}")
        else:
            literal.append(byte)
        index += 1
    if literal:
        pieces.append(literal.decode("utf-8", "surrogatepass"))
    return pieces


def wildcard_regex(pieces: list[str | None]) -> re.Pattern[str]:
    body = "".join(".*" if piece is None else re.escape(piece) for piece in pieces)
    return re.compile(body + r"\Z", re.DOTALL)
