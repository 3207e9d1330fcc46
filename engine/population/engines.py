"""The two engines a population query runs on. Both get the same generated SELECT (written for
each by sqlglot); each reads and writes files through its own API.

DuckDB runs embedded. Its `in_clause` optimizer turns every `x IN (…)` into a join, which on
these queries (an IN inside nearly every rule and lambda) costs far more than it saves: it is
switched off for our queries only.

Spark: `local[*]` unless Spark's own settings name a master (spark-submit, SPARK_REMOTE for
Spark Connect). ANSI mode is set and then checked, because with it off a BIGINT overflow wraps
silently instead of failing. Spark's analyzer re-resolves a plan as deep as the query's chain of
steps, and on a whole policy (about a hundred steps) it runs out of memory: so Spark runs the
chain a segment at a time, each checkpointed (its plan cut) before the next reads it.

Both take the query as a sqlglot tree (`relation`), so each can write it for itself."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path

from sqlglot import exp

from engine.population.errors import PopulationError, word as run_word
from engine.sql.query import NARROW


SEGMENT = 30  # Spark: steps per checkpointed segment (a fused query has fewer: only its `decided` is checkpointed)


def narrow_first(runner, build, act):
    """`act(build(NARROW))`, and `act(build(None))` (the wide form) if the narrow one overflows.
    Exact either way: on these engines a BIGINT overflow raises, it never wraps (Spark's ANSI mode
    is checked when the session opens)."""
    try:
        return act(build(NARROW))
    except runner.overflow:
        return act(build(None))


class DuckDB:
    dialect = "duckdb"

    def __init__(self, progress: bool = False, lang: str = "en"):
        import duckdb

        # an overflow in BIGINT arithmetic, or a sum cast back to BIGINT
        self.overflow = (duckdb.OutOfRangeException, duckdb.ConversionException)

        self.con = duckdb.connect()
        self.con.execute("SET disabled_optimizers = 'in_clause'")
        self.con.execute(f"SET enable_progress_bar = {'true' if progress else 'false'}")

    @staticmethod
    def interrupted(exc: BaseException) -> bool:
        """Whether `exc` is a query stopped by a signal (Ctrl-C, or SIGTERM turned into an
        exception): DuckDB raises its InterruptException, or, when the signal's handler raised
        while a relation was being written, a RuntimeError saying the query was interrupted."""
        import duckdb

        return isinstance(exc, duckdb.InterruptException) or (type(exc) is RuntimeError and "interrupted" in str(exc).lower())

    @staticmethod
    def unreadable(exc: BaseException) -> bool:
        """Whether `exc` says the cases file cannot be read (damaged pages, a bad footer or
        compression: Parquet's own errors, which DuckDB raises as IO or invalid-input errors, or
        as its base Error for a corrupt Thrift header), rather than a bug of ours."""
        import duckdb

        return isinstance(exc, (duckdb.IOException, duckdb.InvalidInputException, duckdb.SerializationException)) \
            or type(exc) is duckdb.Error

    def register_cases(self, parquet: Path, name: str = "cases") -> None:
        self.con.read_parquet(str(parquet)).create_view(name)

    def relation(self, query: exp.Expression) -> "Statement":
        """The query as SQL, run only when written: a DuckDB relation binds its query when made and
        again when written, and binding a whole policy's query costs about 0.1 CPU-s (issue 25).
        `query` is used up: written without sqlglot's copy of the whole tree (0.02–0.03 CPU-s)."""
        return Statement(query.sql(dialect=self.dialect, copy=False))

    def view(self, relation, name: str) -> None:
        self.con.sql(relation.sql).create_view(name)

    @staticmethod
    def ordered(relation, column: str):
        # written in this order: DuckDB preserves insertion order
        return Statement(f'SELECT * FROM ({relation.sql}) ORDER BY "{column}"')

    def materialize(self, name: str, query: exp.Expression) -> None:
        self.con.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {query.sql(dialect=self.dialect)}')  # `name` is ours

    def rows(self, sql: str) -> list[dict]:
        cursor = self.con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r)) for r in cursor.fetchall()]

    def write(self, relation, out: Path, fmt: str) -> None:
        if fmt == "parquet":  # the bytes `write_parquet` writes (the same COPY and its defaults), one bind fewer
            self.con.execute(f"COPY ({relation.sql}) TO '{_quoted(out)}' (FORMAT parquet)")
        else:
            self.con.sql(relation.sql).write_csv(str(out))

    def close(self):
        self.con.close()


class Statement:
    """A DuckDB query not yet run (`DuckDB.relation`)."""

    def __init__(self, sql: str):
        self.sql = sql


def _quoted(path: Path) -> str:
    """A path as the text of a SQL string literal."""
    return str(path).replace("'", "''")


class Spark:
    dialect = "spark"

    def __init__(self, progress: bool = False, lang: str = "en"):
        try:
            from pyspark.errors import ArithmeticException
            from pyspark.sql import SparkSession
        except ImportError:
            raise PopulationError(run_word(lang, "run.needs_spark")) from None
        self.overflow = (ArithmeticException,)
        self.views = 0
        builder = SparkSession.builder.appName("subsidy-policy population")
        if not os.environ.get("SPARK_REMOTE") and not os.environ.get("MASTER"):
            # local mode: the driver is the executor, and Spark's 1 GiB default spills every
            # checkpointed segment of a few million cases to disk
            builder = (builder.master(os.environ.get("SPARK_MASTER", "local[*]"))
                       .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "6g"))
                       # the generated code of a whole policy is past the JIT's 8,000-byte method limit:
                       # without this it stays interpreted (about 10x slower here)
                       .config("spark.driver.extraJavaOptions", "-XX:-DontCompileHugeMethods")
                       # one machine: a few shuffle partitions per core, not Spark's cluster default of 200
                       .config("spark.sql.shuffle.partitions", str(4 * (os.cpu_count() or 1))))
        builder = (builder.config("spark.sql.ansi.enabled", "true")
                   # one analyzer pass per named step: a policy has about a hundred
                   .config("spark.sql.analyzer.maxIterations", "2000")
                   .config("spark.ui.showConsoleProgress", "true" if progress else "false")
                   .config("spark.sql.session.timeZone", "UTC"))
        before = _children()
        original = _handlers()  # pyspark puts its own SIGINT handler in place of the command's
        _take_interrupts(_quiet, original)  # while the JVM starts there is no job to cancel, only Py4J's noise
        _silence_signal_noise()  # and once pyspark has put its own Ctrl-C handler in place, until ours replaces it
        try:
            self.spark = builder.getOrCreate()
        except BaseException:  # Ctrl-C while the JVM starts: nobody would stop the JVM launched for us
            for pid in _children() - before:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGTERM)
            _put_back(original)
            raise
        if self.spark.conf.get("spark.sql.ansi.enabled").lower() != "true":
            raise PopulationError(run_word(lang, "run.ansi_off"))
        self._interrupted = False
        self._handlers = _take_interrupts(self._stop_quietly, original)

    def register_cases(self, parquet: Path, name: str = "cases") -> None:
        self.spark.read.parquet(str(parquet)).createOrReplaceTempView(name)

    def relation(self, query: exp.Expression):
        """The query's steps run SEGMENT at a time; each segment's last step is checkpointed and
        registered as a view the next segment reads, so no plan is deeper than a segment. A step
        read by more than the next one (the query's `decided`) always ends a segment."""
        query = query.copy()
        with_ = query.args.get("with_")
        if with_ is None:
            return self.spark.sql(query.sql(dialect=self.dialect))
        ctes, renamed = list(with_.expressions), {}
        readers = {}
        for c in ctes:
            for t in c.this.find_all(exp.Table):
                readers[t.name] = readers.get(t.name, 0) + 1
        for t in query.find_all(exp.Table):
            if t.parent_select is query:
                readers[t.name] = readers.get(t.name, 0) + 1
        segment: list[exp.CTE] = []
        for i, c in enumerate(ctes):
            for t in c.this.find_all(exp.Table):
                if t.name in renamed:
                    t.set("this", exp.to_identifier(renamed[t.name]))
            c.set("materialized", None)
            segment.append(c)
            if len(segment) == SEGMENT or readers.get(c.alias, 0) > 1:
                view = f"step_{self.views}_{i}"
                self.views += 1
                select = exp.select("*").from_(exp.to_identifier(c.alias, quoted=True))
                select.set("with_", exp.With(expressions=segment))
                self.spark.sql(select.sql(dialect=self.dialect)).localCheckpoint(eager=True).createOrReplaceTempView(view)
                renamed[c.alias], segment = view, []
        for t in query.find_all(exp.Table):
            if t.name in renamed:
                t.set("this", exp.to_identifier(renamed[t.name]))
        query.set("with_", exp.With(expressions=segment) if segment else None)
        return self.spark.sql(query.sql(dialect=self.dialect))

    def view(self, relation, name: str) -> None:
        relation.createOrReplaceTempView(name)

    @staticmethod
    def ordered(relation, column: str):
        return relation.orderBy(column)

    def materialize(self, name: str, query: exp.Expression) -> None:
        df = self.relation(query).cache()
        df.count()
        df.createOrReplaceTempView(name)

    def rows(self, sql: str) -> list[dict]:
        return [r.asDict(recursive=True) for r in self.spark.sql(sql).collect()]

    def write(self, relation, out: Path, fmt: str) -> None:
        """One file, as DuckDB writes it: Spark writes a folder of parts, so one part is moved out."""
        folder = Path(tempfile.mkdtemp(prefix="population-", dir=out.parent if out.parent.exists() else None))
        try:
            # coalesce(1) would run the whole last stage in one task; the repartition loses the order, so one sort after it
            one = relation.repartition(1)
            writer = (one.sortWithinPartitions("id") if "id" in relation.columns else one).write.mode("overwrite")
            (writer.parquet if fmt == "parquet" else writer.option("header", "true").csv)(str(folder / "out"))
            part = next((folder / "out").glob("part-*"))
            shutil.move(str(part), str(out))
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def interrupted(self, exc: BaseException) -> bool:
        """Whether `exc` came of a signal: the handler below raises KeyboardInterrupt, but a job it
        cancelled may fail first (with a Py4J error) where the query was waiting."""
        return self._interrupted

    def _stop_quietly(self) -> None:
        """On Ctrl-C or SIGTERM, before KeyboardInterrupt unwinds the run: cancel Spark's jobs and
        silence what the interruption makes Spark and Py4J print (tracebacks of the call it broke,
        the cancelled tasks' Java stack traces), so it ends as DuckDB's does, with one line. The
        main thread may be inside a Py4J call: the JVM is asked from another thread (its own
        connection), for a few seconds at most."""
        self._interrupted = True
        _quiet()
        context = self.spark.sparkContext

        def cancel():
            with contextlib.suppress(Exception):
                context.setLogLevel("OFF")
                context.cancelAllJobs()

        helper = threading.Thread(target=cancel, daemon=True)
        helper.start()
        helper.join(10)

    @staticmethod
    def unreadable(exc: BaseException) -> bool:
        return False  # Spark's errors are left as they are

    def close(self):
        # the session is reused by later runs in the same process (tests), and ends with it; the
        # signals go back to the handlers they had
        _put_back(self._handlers)
        self._handlers = {}


def _quiet() -> None:
    """An interruption is under way: Py4J logs the call it broke (a traceback, with logging.exception
    on the root logger); the command says in one line what happened."""
    import logging

    logging.disable(logging.CRITICAL)


def _children() -> set[int]:
    """The process ids of this process's children (from /proc; none known where there is none)."""
    found = set()
    try:
        names = [n for n in os.listdir("/proc") if n.isdigit()]
    except OSError:
        return found
    for name in names:
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()  # after the command's name, which may hold anything
        except (OSError, IndexError):
            continue
        if len(fields) > 1 and int(fields[1]) == os.getpid():
            found.add(int(name))
    return found


def _handlers() -> dict:
    """The handlers of Ctrl-C and SIGTERM (none outside the main thread, where none can be set)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}


def _take_interrupts(stop, original: dict) -> dict:
    """Ctrl-C (and SIGTERM, where the command turns it into KeyboardInterrupt) call `stop` first,
    then interrupt as the `original` handlers did; an ignored signal stays ignored (nohup, `&`).
    Returns the handlers to put back when the engine closes."""
    for signum, previous in original.items():
        if not callable(previous):
            signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
            continue  # ignored stays ignored; a SIGTERM the command does not catch ends the process outright

        def handler(number, frame, previous=previous):
            stop()
            previous(number, frame)  # the command's SIGTERM handler, Python's KeyboardInterrupt for Ctrl-C
            raise KeyboardInterrupt

        signal.signal(signum, handler)
    return original


def _signal_noise(record) -> bool:
    """False for what Py4J logs of a call a signal broke: the KeyboardInterrupt itself, or the
    'reentrant call' of pyspark's Ctrl-C handler calling the JVM inside that call. Such a call
    still fails; only its logged traceback goes."""
    if not record.pathname.replace("\\", "/").rsplit("/", 2)[-2:-1] == ["py4j"] or not record.exc_info:
        return True
    exc = record.exc_info[1]
    while exc is not None:
        if isinstance(exc, KeyboardInterrupt) or "reentrant call" in str(exc):
            return False
        exc = exc.__context__
    return True


def _silence_signal_noise() -> None:
    import logging

    root = logging.getLogger()
    if _signal_noise not in root.filters:
        root.addFilter(_signal_noise)


def _put_back(handlers: dict) -> None:
    for signum, handler in handlers.items():
        signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


def open_engine(name: str, progress: bool | None = None, lang: str = "en"):
    """`lang`: the language of the engine's refusals (Spark missing, or its ANSI mode off)."""
    if progress is None:
        progress = sys.stderr.isatty()
    return {"duckdb": DuckDB, "spark": Spark}[name](progress, lang)
