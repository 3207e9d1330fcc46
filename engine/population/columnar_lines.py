"""The lines of `policy batch`'s columnar path (engine/population/columnar.py), read a block at a
time as the row path's reader (batch.json_lines) reads them: the same line numbers, the same items
for a line too large or not UTF-8, blank lines skipped, the first line's BOM dropped."""

from __future__ import annotations

from engine.population import batch


class Block:
    """The lines of one read. `numbers` and `texts`: the lines DuckDB may try (its text without
    the newline, or with it); `entries(numbers)`: what the row path's reader (batch.json_lines) would
    hand `_decide` for those lines and for every line DuckDB cannot try (all lines when None), as
    (line number, item, text): `item` the same text, or the error of a line too large or not UTF-8,
    `text` the text or None; blank lines give nothing, as there."""

    def __init__(self, first: int, pieces: list, last_ended: bool, entries: list | None = None):
        self.first, self.pieces, self.last_ended, self._entries = first, pieces, last_ended, entries
        if entries is None:  # the whole read was UTF-8, and no record is to be passed over
            self.numbers, self.texts = range(first, first + len(pieces)), pieces
        else:
            tried = [(number, text) for number, _, text in entries if text is not None]
            self.numbers, self.texts = [n for n, _ in tried], [t for _, t in tried]

    def entries(self, numbers: list | None) -> list:
        if self._entries is not None:
            if numbers is None:
                return self._entries
            wanted = set(numbers)
            return [e for e in self._entries if e[2] is None or e[0] in wanted]
        out = []
        for number in (self.numbers if numbers is None else numbers):
            k = number - self.first
            entry = _entry(number, self.pieces[k], k < len(self.pieces) - 1 or self.last_ended)
            if entry is not None:
                out.append(entry)
        return out


def _entry(number: int, piece: str, ended: bool, limit: int | None = None):
    """(number, item, text) of a decoded line, or None for a blank one (as `blocks` does per line)."""
    from engine.evaluate.case import max_case_bytes

    limit = max_case_bytes() if limit is None else limit
    if len(piece) * 4 > limit and len(_bytes(piece)) > limit:
        return number, next(iter(batch.json_lines(_One(_bytes(piece) + (b"\n" if ended else b"")))))[1], None
    if number == 1 and piece.startswith("\ufeff"):  # the first line is read as utf-8-sig
        piece = piece[1:]
    if not piece.strip():
        return None
    item = piece + "\n" if ended else piece
    return number, item, item


def blocks(stream, skip: int, size: int):
    """A Block per read of `size` bytes of the binary `stream`, the first `skip` records passed over (--resume)."""
    from engine.evaluate.case import max_case_bytes

    limit = max_case_bytes()
    number, rest, seen = 0, b"", 0
    while True:
        data = stream.read(size)
        if data:
            data = rest + data
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                rest = data
                continue
            data, rest = data[:cut], data[cut:]
        else:
            data, rest = rest, b""
            if not data:
                return
        try:  # the whole block at once; per line only when some line is not UTF-8
            pieces = data.decode("utf-8").split("\n")
        except UnicodeDecodeError:
            pieces = data.split(b"\n")
        last_ended = not pieces[-1]
        if last_ended:  # the block ended with a newline
            pieces.pop()
        if seen >= skip and pieces and isinstance(pieces[0], str):
            yield Block(number + 1, pieces, last_ended)
            number += len(pieces)
            continue
        out = []
        final = len(pieces) - 1
        for k, piece in enumerate(pieces):
            number += 1
            ended = k < final or last_ended
            if isinstance(piece, bytes) and not (len(piece) > limit):
                try:
                    piece = piece.decode("utf-8-sig" if number == 1 else "utf-8")
                except UnicodeDecodeError as exc:
                    seen += 1
                    if seen > skip:
                        out.append((number, exc, None))
                    continue
            if isinstance(piece, bytes):  # too large, and not decoded: the row path's reader says so
                entry = number, next(iter(batch.json_lines(_One(piece + (b"\n" if ended else b"")))))[1], None
            else:
                entry = _entry(number, piece, ended, limit)
                if entry is None:
                    continue
            seen += 1
            if seen > skip:
                out.append(entry)
        if out:
            yield Block(0, [], False, out)


def _bytes(piece) -> bytes:
    return piece.encode("utf-8", "surrogatepass") if isinstance(piece, str) else piece


class _One:
    """One line as a stream, for the row path's reader (its handling of a line too large)."""

    def __init__(self, data: bytes):
        import io

        self._io = io.BytesIO(data)

    def readline(self, size: int = -1) -> bytes:
        return self._io.readline(size)
