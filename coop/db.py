"""Database spine: declarative base with a naming convention, money and rate column types,
tenant mixin, and ``unit_of_work()`` -- the ONLY place in the code base that commits.

SQLite (embedded default) runs in WAL mode, every commit on disk before it returns (group commit, see
:class:`coop.db_sqlite.WriterLockedConnection`), foreign keys on and a busy timeout.
A unit of work opens its transaction with ``BEGIN IMMEDIATE`` (SQLAlchemy's documented pysqlite recipe),
behind an OS lock that hands the write lock from one writer to the next without SQLite's sleeps, so
concurrent writers queue instead of failing half-way; reads outside a unit of work are ``DEFERRED`` and
read a WAL snapshot without waiting for writers. PostgreSQL needs none of that; money-moving code
locks balance rows with ``SELECT ... FOR UPDATE`` and :func:`atomic` retries deadlocks.
"""
from __future__ import annotations

import contextvars
import functools
import inspect
import operator
import random
import select
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask.globals import _cv_app
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as _FlaskSession
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import BigInteger, ForeignKey, Integer, MetaData
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    declared_attr,
    make_transient,
    mapped_column,
    registry,
)
from sqlalchemy.orm.attributes import instance_state, set_committed_value
from sqlalchemy.types import TypeDecorator

from coop import clock, db_sqlite

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    #: Every integer column (ids, foreign keys, counts) is 64-bit: BIGINT on PostgreSQL, INTEGER (already
    #: 64-bit, and the rowid alias for primary keys) on SQLite. So any id a route or a JSON body can carry
    #: up to 2**63-1 is a clean "not found", never an overflow error from the driver.
    registry = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION),
                        type_annotation_map={int: BigInteger().with_variant(Integer(), "sqlite")})


#: Bind key of the read-only engine (``COOP_READ_DATABASE_URL``: a streaming replica for reports, exports and
#: programme indicators). Absent when no read URL is set: reads then go to the main database.
READ_BIND = "read"
#: ``session.info`` key: how many :func:`read_session` blocks are open on this session.
_READING = "coop_reading"


class CoopSession(_FlaskSession):
    """Flask-SQLAlchemy's session, but an explicit ``bind`` (a test's outer connection) wins, and inside
    :func:`read_session` (outside any unit of work) statements go to the read engine."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and self.bind is not None:
            return self.bind
        if bind is None and self.info.get(_READING) and _may_read_replica(self, clause):
            engine = db.engines.get(READ_BIND)
            if engine is not None:
                return engine
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def _may_read_replica(session, clause) -> bool:
    """Only plain reads outside a unit of work and outside a flush go to the replica: whatever a unit of
    work reads it must read where it writes (the primary), and a write never goes there."""
    if in_unit_of_work() or session._flushing:
        return False
    return not isinstance(clause, sa.sql.dml.UpdateBase)


@contextmanager
def read_session() -> Iterator[Any]:
    """Reads inside this block (reports, exports, programme indicators) go to the read-only engine of
    ``COOP_READ_DATABASE_URL``, a streaming replica that may lag the primary by a moment; without that
    setting, to the main database. Inside a unit of work it changes nothing (the unit of work reads the
    primary). Works across a generator's ``yield`` (a streamed export): the mark is on the session."""
    session = current_session()
    session.info[_READING] = session.info.get(_READING, 0) + 1
    try:
        yield db.session
    finally:
        session.info[_READING] -= 1


def reads_replica(fn: Callable[..., T]) -> Callable[..., T]:
    """Decorator: run ``fn`` (a function or a generator function) inside :func:`read_session`."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def generator(*args, **kwargs):
            with read_session():
                yield from fn(*args, **kwargs)
        return generator  # type: ignore[return-value]

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with read_session():
            return fn(*args, **kwargs)
    return wrapper


db = SQLAlchemy(model_class=Base, session_options={"class_": CoopSession})


#: Flask-SQLAlchemy scopes its sessions by the app context's ``id`` (``_app_ctx_id``): what
#: :func:`current_session` relies on (another scope, or none: it simply asks ``db.session()``).
_SCOPED_BY_APP_CONTEXT = getattr(db.session.registry, "scopefunc", None) is _app_ctx_id
#: The scoped session's registry: a dict by scope, made once with ``db.session`` and never replaced (a
#: removed session is deleted from it), so it is looked up once here, not through three attributes a call.
_SESSIONS: dict = db.session.registry.registry if _SCOPED_BY_APP_CONTEXT else {}


def current_session() -> CoopSession:
    """``db.session()``: the current app context's session, looked up in the scoped session's registry by
    the context itself (Flask-SQLAlchemy's scope is the app context's ``id``) instead of through the scoped
    session's scope function and the ``current_app`` proxy (~5 Python calls each time; the hot path asks a
    couple of dozen times a deposit, issue 17). No session yet, or no app context: ``db.session()``."""
    ctx = _cv_app.get(None)
    if ctx is not None:
        session = _SESSIONS.get(id(ctx))
        if session is not None:
            return session
    return db.session()


def utcnow() -> datetime:
    """Aware UTC timestamp (callable default for ``*_at`` columns): :func:`coop.clock.now_utc`."""
    return clock.now_utc()


class UTCDateTime(TypeDecorator):
    """Timestamps stored in UTC; always returned timezone-aware (SQLite drops the offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise TypeError("naive datetime given for a UTC timestamp column")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Money(TypeDecorator):
    """Whole rupiah as a 64-bit integer. Refuses floats, Decimals with fractions and bools."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, Decimal) and value == value.to_integral_value():
                return int(value)
            raise TypeError(f"money must be an int of rupiah, got {type(value).__name__}")
        return value


class Rate(TypeDecorator):
    """A rate in percent as ``Decimal`` (e.g. ``Decimal('1.5')`` = 1.5 %)."""

    impl = sa.Numeric(12, 6)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("rates are Decimal, never float")
        return Decimal(value)

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value).normalize() if Decimal(value) != 0 else Decimal(0)


#: 64-bit primary key on PostgreSQL, INTEGER PRIMARY KEY (rowid alias) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")
intpk = Annotated[int, mapped_column(primary_key=True)]
bigpk = Annotated[int, mapped_column(BigId, primary_key=True)]


class TenantMixin:
    """Every tenant-owned row carries the cooperative it belongs to."""

    @declared_attr
    def cooperative_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ForeignKey("cooperatives.id"), index=True, nullable=False)


def colocated_fk(table: str, column: str, target: str, *, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    """The foreign key ``table.column -> target.id`` between two tenant tables, colocated for Citus
    (docs/operations.md "Moving a national deployment to Citus"): ``(cooperative_id, column) ->
    target (cooperative_id, id)``, so a row can only point at a row of its own cooperative and the two
    sit on one shard. The target has a key on ``(cooperative_id, id)`` (see :func:`colocated_keys`).
    A NULL ``column`` is not checked (MATCH SIMPLE). Named as the single-column key was."""
    return sa.ForeignKeyConstraint(["cooperative_id", column], [f"{target}.cooperative_id", f"{target}.id"],
                                   name=f"fk_{table}_{column}_{target}", ondelete=ondelete)


def colocated_target(table: str) -> sa.UniqueConstraint:
    """The unique key ``(cooperative_id, id)`` that :func:`colocated_fk` points at, for a tenant table whose own
    primary key is still ``id`` alone (migration 0026: the targets outside the ledger's reach, like
    ``residents`` or ``loan_products``). Their plain ``cooperative_id`` index stays (not worth a rebuild)."""
    return sa.UniqueConstraint("cooperative_id", "id", name=f"uq_{table}_cooperative_id_id")


def colocated_keys(table: str, *, referenced: bool = True) -> tuple[sa.Constraint, ...]:
    """The keys of a tenant table distributed by ``cooperative_id``: primary key ``(id, cooperative_id)``
    (``id`` first: every lookup by id alone, ``session.get`` included, stays an index search; the ORM's
    identity stays ``id``, see ``__mapper_args__``), and for a table that other tenant tables reference
    a unique key ``(cooperative_id, id)`` that their :func:`colocated_fk` point at (it also serves "this
    cooperative's rows by id", so the ledger's tables dropped their plain ``cooperative_id`` index in 0023;
    the tables of migration 0026 kept theirs).

    SQLite cannot autoincrement a composite primary key: there migration 0023 keeps ``id INTEGER PRIMARY
    KEY`` (the rowid) and the unique key, which SQLite's composite foreign keys need anyway. Alembic does
    not compare primary keys; tests/test_migrations.py checks them on both dialects."""
    keys: list[sa.Constraint] = [sa.PrimaryKeyConstraint("id", "cooperative_id", name=f"pk_{table}")]
    if referenced:
        keys.append(colocated_target(table))
    return tuple(keys)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


# --------------------------------------------------------------------------------------------
# Engine set-up
# --------------------------------------------------------------------------------------------

#: URL query parameter that marks a PostgreSQL URL as going through pgbouncer (removed before connecting).
PGBOUNCER_PARAM = "pgbouncer"


def pooled_url(url: str, pgbouncer_env: bool = False) -> tuple[str, bool]:
    """``(url without the pgbouncer marker, whether it goes through pgbouncer)``: through pgbouncer when
    ``COOP_PGBOUNCER=1`` (``pgbouncer_env``) or the URL carries ``?pgbouncer=1``."""
    parsed = sa.engine.make_url(url)
    marker = parsed.query.get(PGBOUNCER_PARAM)
    if marker is None:
        return url, pgbouncer_env and parsed.get_backend_name() == "postgresql"
    clean = parsed.difference_update_query([PGBOUNCER_PARAM]).render_as_string(hide_password=False)
    return clean, str(marker).lower() in ("1", "true", "yes")


def _postgres_options(options: dict, through_pgbouncer: bool) -> dict:
    options = dict(options)
    # a pooled connection that died with a server restart is replaced on checkout, not handed to a request
    # (which would answer 503 once per worker after every PostgreSQL restart): by install_liveness_check, which
    # pings only a connection that sat idle or heard from the server while idle, not one per request
    options.setdefault("pool_pre_ping", False)
    if through_pgbouncer:
        # pgbouncer in transaction mode hands each transaction to any server connection: a statement
        # psycopg prepared on one is unknown on the next, so no server-side prepared statements
        options["connect_args"] = {**options.get("connect_args", {}), "prepare_threshold": None}
    return options


def configure_engine_options(app) -> None:
    """Engine options by dialect, before Flask-SQLAlchemy creates the engine: SQLite connections are
    :class:`coop.db_sqlite.WriterLockedConnection`; PostgreSQL through pgbouncer prepares no statements.
    ``READ_DATABASE_URL`` (PostgreSQL) adds the read-only engine of :func:`read_session`."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    pgbouncer_env = bool(app.config.get("PGBOUNCER"))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options["connect_args"] = {**options.get("connect_args", {}), "factory": db_sqlite.WriterLockedConnection}
    else:
        url, through = pooled_url(app.config["SQLALCHEMY_DATABASE_URI"], pgbouncer_env)
        app.config["SQLALCHEMY_DATABASE_URI"] = url
        app.config["DATABASE_THROUGH_PGBOUNCER"] = through
        options = _postgres_options(options, through)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    read_url = app.config.get("READ_DATABASE_URL")
    if read_url:
        url, through = pooled_url(read_url, pgbouncer_env)
        read = _postgres_options({}, through) if not url.startswith("sqlite") else {}
        if not url.startswith("sqlite"):
            read["execution_options"] = {"postgresql_readonly": True}
        app.config["SQLALCHEMY_BINDS"] = {**(app.config.get("SQLALCHEMY_BINDS") or {}),
                                          READ_BIND: {"url": url, **read}}


def init_engines(app) -> None:
    """Attach dialect-specific behaviour to the engines Flask-SQLAlchemy created for ``app``."""
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                db_sqlite.install_sqlite_recipe(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"], app.config["SQLITE_SYNC"],
                                                in_unit_of_work=in_unit_of_work, on_cursor=on_cursor)
            elif not engine.pool._pre_ping:
                install_liveness_check(engine, app.config["DATABASE_PING_AFTER_IDLE_MS"] / 1000)


def _heard_while_idle(dbapi_connection) -> bool:
    """The server sent something to a connection nobody was using: a restart's or a kill's notice and the
    end of the stream (or, harmlessly, a parameter change). One ``poll`` of the socket, no round trip."""
    try:
        poller = select.poll()  # not select.select: it refuses a descriptor >= 1024 (a busy worker has them)
        poller.register(dbapi_connection.pgconn.socket, select.POLLIN)
        return bool(poller.poll(0))
    except Exception:  # noqa: BLE001 -- closed or broken: let the ping decide
        return True


def install_liveness_check(engine: sa.Engine, idle_s: float) -> None:
    """PostgreSQL: what ``pool_pre_ping`` guards against (a connection that died with a restart handed to a
    request), without its round trip on every checkout. A connection is pinged (``SELECT 1``) on checkout
    only if it sat in the pool longer than ``idle_s`` (``DATABASE_PING_AFTER_IDLE_MS``, 500 by default: the
    bypass window of HikariCP's ``aliveBypassWindowMs``) or if its socket became readable while idle (a
    terminated backend says so and closes the stream). A failed ping raises :class:`InvalidatePoolError`,
    as ``pool_pre_ping`` does: the pool drops this connection and every other one it made before now (a
    restart killed them all) and checks out a fresh one. A connection taken back within the window,
    with nothing from the server, is the cash desk's busy case: no ping, one round trip fewer a request."""

    @sa.event.listens_for(engine, "checkin")
    def _idle_from(dbapi_connection, record) -> None:
        record.info["idle_since"] = clock.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _alive(dbapi_connection, record, proxy) -> None:
        since = record.info.pop("idle_since", None)
        if since is None:  # a new connection
            return
        if clock.monotonic() - since < idle_s and not _heard_while_idle(dbapi_connection):
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error:
            alive = False
        if not alive:
            raise sa.exc.InvalidatePoolError("the pooled connection did not answer a ping")


def is_sqlite() -> bool:
    return dialect_name(current_session()) == "sqlite"


def dialect_name(session) -> str:
    """The database kind (``sqlite``, ``postgresql``) ``session`` works on: from the Connection of its open
    transaction when it has one (kept by :func:`connection`'s events), else from ``get_bind()`` (which walks
    Flask-SQLAlchemy's engines and the app proxy: ~5 us, asked a few times a deposit, issue 17). A replica
    (:func:`read_session`) is the primary's kind."""
    conn = session.info.get(_CONNECTION)
    if conn is not None:
        return conn.dialect.name
    return session.get_bind().dialect.name


def refresh_statistics(*tables: str) -> None:
    """PostgreSQL: ``ANALYZE`` ``tables`` inside the current transaction, after a bulk load in it.

    The planner sizes tables by their last statistics; rows inserted by one long transaction (the
    demo's thousands of postings) are invisible to autovacuum until it commits, so the planner takes
    the tables for empty and nests loops over them (the PHU of the demo's year-end took over 15
    minutes). ANALYZE samples the transaction's own uncommitted rows. SQLite: nothing to do.
    """
    if dialect_name(current_session()) != "postgresql":
        return
    for table in tables:
        db.session.execute(sa.text(f"ANALYZE {db.session.get_bind().dialect.identifier_preparer.quote(table)}"))


# --------------------------------------------------------------------------------------------
# Transaction boundary
# --------------------------------------------------------------------------------------------

T = TypeVar("T")

_depth: contextvars.ContextVar[int] = contextvars.ContextVar("coop_uow_depth", default=0)
_after_commit: contextvars.ContextVar[list | None] = contextvars.ContextVar("coop_after_commit", default=None)


@contextmanager
def unit_of_work(*, last: bool = False) -> Iterator[Any]:
    """Commit once on success, roll back on any exception. Re-entrant: only the outermost commits.

    This is the only committer in ``coop/``. Callbacks registered with :func:`after_commit` run after
    the outermost commit succeeded (e-mail, files: side effects outside the database).

    ``last``: nothing reads the session's objects after this commit (an API write whose response is built
    before it): the commit does not expire them, which costs a walk over every object the request loaded
    (~3 % of a deposit's Python, issue 17). Read after all, an object shows what this transaction left
    in it, not what another committed since.
    """
    depth = _depth.get()
    if depth == 0:
        _end_read_transaction()
    token = _depth.set(depth + 1)
    cb_token = _after_commit.set([]) if depth == 0 else None
    try:
        yield db.session
        if depth == 0:
            if last:
                _commit_keeping_loaded(current_session())
            else:
                db.session.commit()
    except BaseException:
        if depth == 0:
            db.session.rollback()
        raise
    else:
        if depth == 0:
            for fn in _after_commit.get() or []:
                fn()
    finally:
        _depth.set(depth)
        if cb_token is not None:
            _after_commit.reset(cb_token)
        del token


def _commit_keeping_loaded(session) -> None:
    """Commit without expiring the session's objects (``expire_on_commit`` off for this commit only)."""
    previous = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = previous


def begin_writing() -> None:
    """The request will write (a money-moving API endpoint): on SQLite its transaction begins as its unit of
    work's would (``BEGIN IMMEDIATE`` behind the writer lock), so the reads before the unit of work
    (authentication, the Idempotency-Key lookup) share the unit of work's transaction and
    :func:`_end_read_transaction` has nothing to end: one transaction a request instead of a read, its COMMIT
    and a write (issue 17). Only for the write path: a read-only request must never take the writer lock.
    Nothing when a transaction is already open (it is ended as before), when the session is joined to a
    caller's connection (tests), or on PostgreSQL (its unit of work continues the read's transaction)."""
    session = current_session()
    if session.in_transaction() or isinstance(session.bind, sa.Connection):
        return
    if dialect_name(session) != "sqlite":
        return
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def _end_read_transaction() -> None:
    """On SQLite, a unit of work must not continue a transaction that began as a read (DEFERRED): its
    first write would have to upgrade the lock, which fails at once ("database is locked") if another
    writer committed since the snapshot was taken. So a read-only transaction left open by the request
    (authentication, lookups) ends here; the unit of work then begins with ``BEGIN IMMEDIATE``. Objects
    loaded before are expired, so what the unit of work reads it reads under the write lock."""
    session = current_session()
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return
    if isinstance(session.bind, sa.Connection):  # joined to a caller's transaction (tests): not ours to end
        return
    if dialect_name(session) != "sqlite":
        return
    if session.connection().info.get("coop_begin") == "DEFERRED":
        # expire what was read, except the request's identity (``KEEP_LOADED_ACROSS_WRITES`` models: the
        # user, token and cooperative of authentication), which would otherwise be read again under the
        # write lock on first use
        _commit_keeping_loaded(session)
        for obj in list(session.identity_map.values()):
            if not getattr(obj, "KEEP_LOADED_ACROSS_WRITES", False):
                session.expire(obj)


#: ``session.info`` key: objects :func:`adopt_inserted` put in the session, with the transaction they belong to.
_ADOPTED = "coop_adopted"


#: Per model: its mapper. ``sa.inspect(model)`` walks the inspection registry on every call, and the hot path
#: asks for a mapper a dozen times a deposit (adoptions, the ledger's identity-map lookups: ~4 % of its Python).
_MAPPERS: dict[type, Any] = {}


def mapper_of(model: type) -> Any:
    """``sa.inspect(model)``, cached per model."""
    mapper = _MAPPERS.get(model)
    if mapper is None:
        mapper = _MAPPERS[model] = sa.inspect(model)
    return mapper


def identity_of(model: type, pk: Any) -> Any:
    """The session identity-map key of ``model``'s row ``pk`` (``identity_key(model, pk)``, from the cached
    mapper)."""
    return mapper_of(model).identity_key_from_primary_key((pk,))


def session_get(model: type[T], pk: Any) -> T | None:
    """``db.session.get(model, pk)``: an object already in the session (and not expired) straight from its
    identity map, as ``session.get`` answers it, without ``session.get``'s option handling and the scoped
    session's lookups (~10 us: the hot path asks for the request's cooperative twice a deposit); otherwise
    ``session.get`` (a load, an expired object refreshed)."""
    session = current_session()
    mapper = mapper_of(model)
    obj = session.identity_map.get(mapper.identity_key_from_primary_key([pk]))
    if obj is not None and not mapper.inherits and not instance_state(obj).expired:
        return obj
    return session.get(model, pk)


def adopt(model: type[T], values: dict) -> T:
    """The persistent ORM object for a row read (or just written) with Core, without SQL: the one already in
    the session for that primary key (as a query would return it), else a new one holding ``values`` as its
    loaded state (what the ORM's loader does; columns left out load on first use). ``values`` may hold a
    many-to-one relationship's object too (one of the session's: nothing cascades)."""
    session = current_session()
    mapper = mapper_of(model)
    key = mapper.identity_key_from_primary_key([values[col.key] for col in mapper.primary_key])
    obj = session.identity_map.get(key)
    if obj is None:
        obj = _loaded(session, mapper, key, values)
    return obj


#: Per mapper: the keys of its loaded-by-default columns (:func:`_loaded` expires those a row leaves out).
_COLUMN_KEYS: dict = {}


def _loaded(session, mapper, key, values: dict):
    """A new object for ``values`` put in ``session``'s identity map as the ORM's loader puts a row's object
    there (``loading._instance``: the state's identity key and session, the identity map, no pending history,
    no ``__init__``, no attribute events) instead of ``make_transient_to_detached`` + ``Session.add`` (a
    save-update cascade over every relationship, attach events): a third of the cost (issue 17). A column
    ``values`` leaves out is expired (loads on first use, as after ``make_transient_to_detached``); a
    relationship left out keeps its lazy loader. Nothing else listens for attach events here (no
    ``before_attach``/``after_attach`` listener in ``coop/``: checked by tests/unit/test_adopt.py)."""
    columns = _COLUMN_KEYS.get(mapper)
    if columns is None:
        if not mapper.configured:  # a fresh worker's first request may come before any query configured them
            sa.orm.configure_mappers()
        columns = _COLUMN_KEYS[mapper] = tuple(p.key for p in mapper.column_attrs if not p.deferred)
    obj = mapper.class_manager.new_instance()
    state = instance_state(obj)
    obj.__dict__.update(values)
    state.key = key
    missing = [k for k in columns if k not in values]
    if missing:
        state._expire_attributes(state.dict, missing)
    session._autobegin_t()  # as Session.add: the object belongs to the session's transaction
    state.session_id = session.hash_key
    session.identity_map.add(state)
    return obj


def adopt_inserted(model: type[T], rows: list[dict]) -> list[T]:
    """ORM objects for rows just INSERTed with Core (every column given, the primary key included), put in
    the session as persistent without SQL: the hot path inserts with one Core statement and still hands
    the caller ORM objects. Unlike objects the session flushed, the session would not know they are new, so
    they are registered: a rollback of the transaction (or of a SAVEPOINT) they were inserted in forgets
    them, as it forgets flushed objects (:func:`_forget_rolled_back`)."""
    session = current_session()
    tx = session.get_nested_transaction() or session.get_transaction()
    mapper = mapper_of(model)
    objects = [_loaded(session, mapper, mapper.identity_key_from_primary_key([row[c.key] for c in mapper.primary_key]),
                       row) for row in rows]
    session.info.setdefault(_ADOPTED, []).extend((obj, tx) for obj in objects)
    return objects


def _forget_rolled_back(session, previous_transaction) -> None:
    adopted = session.info.get(_ADOPTED)
    if not adopted:
        return
    kept = []
    for obj, tx in adopted:
        t = tx
        while t is not None and t is not previous_transaction:
            t = t.parent
        if t is None:
            kept.append((obj, tx))  # inserted outside the transaction rolled back
        else:
            make_transient(obj)  # out of the session, its identity gone (the row no longer exists)
    session.info[_ADOPTED] = kept


def _settled_on_commit(session) -> None:
    if not session.in_nested_transaction():  # the outermost transaction committed: the rows are durable
        session.info.pop(_ADOPTED, None)


sa.event.listen(CoopSession, "after_soft_rollback", _forget_rolled_back)
sa.event.listen(CoopSession, "after_commit", _settled_on_commit)

#: ``session.info`` key: the main database's Connection of the session's open transaction (:func:`connection`).
_CONNECTION = "coop_connection"


def _remember_connection(session, transaction, conn) -> None:
    if not session.info.get(_READING):  # a read_session's connection may be the replica's: never remembered
        session.info.setdefault(_CONNECTION, conn)


def _forget_connection(session, transaction) -> None:
    if transaction.parent is None:  # the root transaction ended: its connection went back to the pool
        session.info.pop(_CONNECTION, None)


def _before_savepoint(session, transaction) -> None:
    if transaction.nested:  # the session emits SAVEPOINT on its next connection(): that call must reach it
        session.info.pop(_CONNECTION, None)


sa.event.listen(CoopSession, "after_begin", _remember_connection)
sa.event.listen(CoopSession, "after_transaction_end", _forget_connection)
sa.event.listen(CoopSession, "after_transaction_create", _before_savepoint)


def connection() -> sa.Connection:
    """``db.session.connection()`` on the hot path: the Connection of the session's open transaction, kept
    in ``session.info`` from its BEGIN to its end (``after_begin``/``after_transaction_end``), so each of a
    deposit's dozen Core statements does not walk the scoped session, ``get_bind`` and the transaction's
    state machine again (~9 us a call, issue 17). No transaction yet, a SAVEPOINT just opened (the session
    emits it lazily, on its next ``connection()``), or inside :func:`read_session`: the session's own
    ``connection()`` (it begins the transaction or the SAVEPOINT / picks the replica), as before."""
    session = current_session()
    info = session.info
    conn = info.get(_CONNECTION)
    if conn is None or info.get(_READING):
        return session.connection()
    return conn


def after_commit(fn: Callable[[], Any]) -> None:
    """Run ``fn`` after the current unit of work commits (immediately if none is open)."""
    pending = _after_commit.get()
    if pending is None:
        fn()
    else:
        pending.append(fn)


def discard_request_session() -> None:
    """Roll back what a failed request left in its session (the error handlers, the health check): the web
    boundary's plumbing, so blueprints never touch ``db.session`` themselves."""
    db.session.rollback()


def forget_loaded() -> None:
    """Expire every object the request's session holds, so the next read fetches what a unit of work just
    committed (no query of its own)."""
    db.session.expire_all()


def in_unit_of_work() -> bool:
    return _depth.get() > 0


def _is_retryable(exc: DBAPIError) -> bool:
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code in ("40P01", "40001"):  # deadlock_detected, serialization_failure
        return True
    return "database is locked" in str(orig)



def atomic(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn`` in one unit of work; retry a bounded number of times on deadlock/serialization errors.

    Use it at a boundary (request, CLI command, job) around ONE service call. Inside an already open
    unit of work it simply calls ``fn`` (the outer boundary owns commit and retry).
    """
    if in_unit_of_work():
        return fn(*args, **kwargs)
    retries = current_app.config.get("TX_RETRIES", 5) if has_app_context() else 5
    attempt = 0
    while True:
        try:
            with unit_of_work():
                return fn(*args, **kwargs)
        except DBAPIError as exc:
            if attempt >= retries or not _is_retryable(exc):
                raise
            attempt += 1
            time.sleep(min(0.5, 0.01 * (2**attempt)) * (0.5 + random.random()))


def attempt(fn, *args, **kwargs):
    """Run ``fn`` as a part that may be refused while the caller goes on (a demo step): inside a unit of
    work in a SAVEPOINT, so a refusal undoes exactly that part and the rest stays; outside one simply
    ``atomic(fn)``."""
    if not in_unit_of_work():
        return atomic(fn, *args, **kwargs)
    with db.session.begin_nested():
        return fn(*args, **kwargs)


# --------------------------------------------------------------------------------------------
# Prepared statements: the hot path's SQL straight on the DBAPI cursor (issue 17)
# --------------------------------------------------------------------------------------------

#: :class:`Prepared`: result processors not known until the statement first ran.
_UNRESOLVED: list = []


def on_cursor(conn: sa.Connection, sql: str, arguments: Any, many: bool, body: Callable[[Any], T]) -> T:
    """``body(cursor)`` on a DBAPI cursor of ``conn``, in its transaction, as SQLAlchemy's own execute would
    run a statement: ``before/after_cursor_execute`` listeners see ``sql`` and ``arguments``, the driver's
    errors come wrapped as SQLAlchemy's (:class:`DBAPIError`, so :func:`atomic` retries the same ones). The
    cursor is kept for the connection's next statement (:data:`_CURSOR`), closed if the statement failed.
    The plumbing of :class:`Prepared`, :class:`BulkInsert` and the SQLite BEGIN."""
    dialect = conn.dialect
    events = conn._has_events or conn.engine._has_events
    fairy = conn.connection
    info = fairy.info
    kept = info.pop(_CURSOR, None)  # taken out while in use: a body that runs a statement gets its own
    dbapi_connection = fairy.dbapi_connection
    if kept is not None and kept[0] is dbapi_connection:
        cursor = kept[1]
    else:
        cursor = fairy.cursor()
    try:
        if events:
            conn.dispatch.before_cursor_execute(conn, cursor, sql, arguments, None, many)
        try:
            result = body(cursor)
        except dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(sql, arguments, exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc
        if events:
            conn.dispatch.after_cursor_execute(conn, cursor, sql, arguments, None, many)
    except BaseException:
        cursor.close()
        raise
    info[_CURSOR] = (dbapi_connection, cursor)
    return result


#: ``PoolProxiedConnection.info`` key (it follows the DBAPI connection through the pool): the cursor
#: :func:`on_cursor` used last on that connection, with the connection it belongs to. A cursor per
#: statement cost ~4 % of a deposit's Python (the pool's and psycopg's cursor set-up); a statement's rows
#: are fetched before the next statement, so one cursor serves them in turn. A failed statement's cursor
#: is closed, not kept.
_CURSOR = "coop_cursor"


class Prepared:
    """A Core statement compiled ONCE per dialect and run straight on the DBAPI cursor of a
    :class:`sqlalchemy.Connection`, in its transaction: the same SQL, the same bind processors (``Money``
    refuses a float, ``UTCDateTime`` stores UTC, dates become SQLite's text) and result processors, without
    SQLAlchemy's per-execute path (cache key, execution context, result object: ~100 Python calls a
    statement against a handful). Errors come wrapped as SQLAlchemy's (:class:`DBAPIError`), so
    :func:`atomic` retries the same ones; ``before/after_cursor_execute`` listeners still see each statement.

    For fixed statements only: every value a bound parameter, no Python-side column defaults (checked at
    compile time), no expanding ``IN`` (build one statement per list length instead)."""

    __slots__ = ("statement", "_by_dialect")

    def __init__(self, statement) -> None:
        self.statement = statement
        self._by_dialect: dict = {}

    def _compiled(self, dialect):
        key = (type(dialect), dialect.paramstyle)
        found = self._by_dialect.get(key)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
                raise RuntimeError("Prepared statements take every value as a bound parameter (no Python defaults)")
            processors = compiled._bind_processors
            names = list(compiled.positiontup) if dialect.positional else list(compiled.binds)
            binds = [(name, processors.get(name)) for name in names]
            # literals of the statement (``status == "closed"``) are anonymous bound parameters with a value
            constants = {name: bind.value for name, bind in ((n, compiled.binds[n]) for n in names)
                         if not bind.required and bind.callable is None and bind.value is not None}
            # result processors are resolved on the first run, from the cursor's type codes: psycopg's Numeric
            # needs the column's type OID to know whether the driver already returns Decimal
            types = [entry[3] for entry in compiled._result_columns]
            found = [compiled.string, dialect.positional, binds, types, constants, _UNRESOLVED,
                     _arguments(binds, dialect.positional, None)]
            self._by_dialect[key] = found
        return found

    def run(self, conn: sa.Connection, params: dict | list[dict] | None = None, *, many: bool = False,
            shared: dict | None = None, server_prepare: bool | None = None) -> list[tuple]:
        """Execute with ``params`` (a list of them with ``many``: executemany); the rows it returns, as tuples.

        ``shared``: values the same for every row (of an executemany: a batch's timestamp, its cooperative),
        put through their bind processors once instead of once a row (the rows need not carry them; a
        row's own value of such a name is ignored). ``server_prepare=False`` (psycopg only): never a
        server-side prepared statement, so PostgreSQL plans every run with its values (psycopg prepares a
        query after 5 runs, and a generic plan cannot hash an ``= ANY(array)`` parameter)."""
        found = self._compiled(conn.dialect)
        sql, positional, binds, types, constants, results, plain_args = found
        params = params or {}
        if constants:
            params = [{**constants, **p} for p in params] if many else {**constants, **params}
        args = plain_args if not shared else _arguments(binds, positional, shared)
        arguments = [args(p) for p in params] if many else args(params)

        def execute(cursor) -> list:
            if many:
                cursor.executemany(sql, arguments)
            elif server_prepare is not None:
                cursor.execute(sql, arguments, prepare=server_prepare)
            else:
                cursor.execute(sql, arguments)
            # no result columns (compiled): an INSERT/UPDATE without RETURNING; an executemany returns no
            # rows even where the compiler added RETURNING (psycopg: none unless asked)
            if not types or (many and cursor.description is None):
                return []
            rows = cursor.fetchall()
            if results is _UNRESOLVED:  # once: psycopg builds ``description`` anew on every access
                processors = [t._cached_result_processor(conn.dialect, d[1])
                              for t, d in zip(types, cursor.description, strict=True)]
                # only the columns that have one (most have none: psycopg returns the Python value)
                found[5] = [(i, f) for i, f in enumerate(processors) if f is not None] or None
            return rows
        rows = on_cursor(conn, sql, arguments, many, execute)
        results = found[5]
        if results is not None and results is not _UNRESOLVED:
            return [_processed(row, results) for row in rows]
        return rows


def _processed(row: tuple, processors: list[tuple[int, Callable[[Any], Any]]]) -> tuple:
    """``row`` with each ``(index, processor)`` applied to its column (the other columns as they came): a
    result row through its result processors, a row of arguments through its bind processors."""
    values = list(row)
    for i, f in processors:
        values[i] = f(values[i])
    return tuple(values)


def _arguments(binds: list, positional: bool, shared: dict | None) -> Callable[[dict], Any]:
    """What :meth:`Prepared.run` hands the DBAPI for one row of parameters: each value through its bind
    processor, in the statement's order (a tuple) or by name (a dict). A row's values are fetched in C
    (itemgetter), then only the ones with a processor (money, a timestamp, SQLite's dates) touched in Python;
    ``shared`` values (the same for every row of an executemany) are processed once."""
    done = {n: (v if f is None else f(v)) for n, f in binds if shared and n in shared for v in (shared[n],)}
    names = [n for n, _ in binds]
    if not names:
        return lambda p: () if positional else {}
    get = operator.itemgetter(*names) if len(names) > 1 else (lambda p: (p[names[0]],))
    todo = [(i, f) for i, (n, f) in enumerate(binds) if f is not None and n not in done]

    def values(p: dict) -> tuple:
        return _processed(get({**p, **done} if done else p), todo)
    if positional:
        return values
    return lambda p: dict(zip(names, values(p), strict=True))


class BulkInsert:
    """Many rows into one table when no id has to come back (bulk imports, their audit rows): on
    PostgreSQL through psycopg 3 one ``COPY <table> (<columns>) FROM STDIN`` (text format: psycopg formats
    each row in C and streams the lot), elsewhere an executemany of :class:`Prepared` ``INSERT ... VALUES``.

    The same rows either way: every value goes through its column type's bind processor first (the shared
    values once, as :meth:`Prepared.run` does), ids come from the same sequence in the same order, the
    table's constraints and row triggers apply to COPY as to INSERT, and a column left out gets its server
    default (Python-side defaults are refused at compile time, as for :class:`Prepared`). psycopg's
    executemany, even pipelined, costs about 30 us of Python a row; COPY a few (issue 17). Errors come
    wrapped as SQLAlchemy's; ``before/after_cursor_execute`` listeners see the COPY statement once."""

    __slots__ = ("table", "columns", "prepared", "_copy")

    def __init__(self, table: sa.Table, columns: tuple[str, ...]) -> None:
        self.table, self.columns = table, tuple(columns)
        self.prepared = Prepared(table.insert().values(
            {c: sa.bindparam(c, type_=table.c[c].type) for c in self.columns}))
        self._copy: dict = {}

    def _copy_plan(self, dialect) -> tuple[str, list]:
        plan = self._copy.get(type(dialect))
        if plan is None:
            processors = dict(self.prepared._compiled(dialect)[2])
            q = dialect.identifier_preparer
            sql = (f"COPY {q.format_table(self.table)} ({', '.join(q.quote(c) for c in self.columns)}) "
                   "FROM STDIN")
            plan = self._copy[type(dialect)] = (sql, [(c, processors[c]) for c in self.columns])
        return plan

    def run(self, conn: sa.Connection, rows: list[dict], *, shared: dict | None = None) -> None:
        """Insert ``rows`` (dicts by column name; ``shared``: the values every row has, processed once)."""
        if not rows:
            return
        dialect = conn.dialect
        if dialect.name != "postgresql" or dialect.driver != "psycopg":
            self.prepared.run(conn, rows, many=True, shared=shared)
            return
        sql, binds = self._copy_plan(dialect)
        args = _arguments(binds, True, shared)
        arguments = [args(p) for p in rows]

        def copy_rows(cursor) -> None:
            with cursor.copy(sql) as copy:
                write = copy.write_row
                for values in arguments:
                    write(values)
        on_cursor(conn, sql, arguments, True, copy_rows)


class PreparedGet:
    """``session.get(model, pk)`` for the hot path: the object AND its ``lazy="joined"`` many-to-one
    relationships (what the ORM's joined eager load reads) from ONE :class:`Prepared` row, adopted as
    persistent objects (:func:`adopt`): the same statement shape and values as the ORM's load, without its
    per-load Python (compile state, row processors, identity bookkeeping: ~450 calls for an account with two
    joined relationships against ~90).

    ``also``: many-to-one relationships the model loads lazily that the caller will read anyway (a savings
    account's member), joined into the same row with THEIR ``lazy="joined"`` ones (the member's resident):
    one statement instead of two (issue 17). No table may appear twice in the join.

    Only when the object is not in the session yet: one already there (expired or not) goes through
    ``session.get`` unchanged. A related object already in the session is reused, as the ORM's loader
    does, its expired columns filled from the row. Pending ORM changes are flushed first (autoflush), as
    ``session.get`` would. Deferred columns and nested eager loads are left to load on first use."""

    __slots__ = ("model", "also", "_plan")

    def __init__(self, model: type, also: tuple[str, ...] = ()) -> None:
        self.model = model
        self.also = also
        self._plan: tuple | None = None

    def _build(self) -> tuple:
        mapper = sa.inspect(self.model)
        if not mapper.configured:
            sa.orm.configure_mappers()

        def joined(of) -> list:
            return [rel for rel in of.relationships if rel.lazy == "joined" and rel.direction is sa.orm.MANYTOONE
                    and rel.mapper.local_table is not of.local_table]
        # (index of the part it hangs on, relationship key, mapper): the model first, each part before its own
        parts: list[tuple[int | None, str | None, Any]] = [(None, None, mapper)]
        source = mapper.local_table
        for rel in joined(mapper) + [mapper.relationships[key] for key in self.also]:
            parts.append((0, rel.key, rel.mapper))
            source = source.outerjoin(rel.mapper.local_table, rel.primaryjoin)
            if rel.key in self.also:
                at = len(parts) - 1
                for nested in joined(rel.mapper):
                    parts.append((at, nested.key, nested.mapper))
                    source = source.outerjoin(nested.mapper.local_table, nested.primaryjoin)
        tables = [target.local_table for _at, _key, target in parts]
        if len(set(tables)) != len(tables):
            raise RuntimeError(f"PreparedGet({mapper.class_.__name__}): a table twice in the join")
        columns, layout = [], []
        for at, key, target in parts:
            names = [(prop.key, prop.columns[0]) for prop in target.column_attrs
                     if not prop.deferred and isinstance(prop.columns[0], sa.Column)
                     and prop.columns[0].table is target.local_table]
            pk_at = [i for i, (_n, col) in enumerate(names) if col.primary_key]
            layout.append((at, key, target, [n for n, _c in names], len(columns), pk_at))
            columns.extend(col.label(f"c{len(columns) + i}") for i, (_n, col) in enumerate(names))
        (pk,) = mapper.primary_key
        statement = sa.select(*columns).select_from(source).where(pk == sa.bindparam("pk", type_=pk.type))
        self._plan = (Prepared(statement), layout, mapper)
        return self._plan

    def get(self, pk: int):
        """The object for ``pk`` (``None``: no such row)."""
        session = current_session()
        prepared, layout, mapper = self._plan or self._build()
        if mapper.identity_key_from_primary_key([pk]) in session.identity_map:
            return session_get(self.model, pk)
        if session.autoflush:
            session.flush()
        rows = prepared.run(connection(), {"pk": pk})
        if not rows:
            return None
        row = rows[0]
        values = [dict(zip(names, row[start:start + len(names)], strict=True))
                  for _at, _key, _target, names, start, _pk_at in layout]
        # the parts last to first: a part's related objects are adopted before the part itself
        for i in range(len(layout) - 1, 0, -1):
            at, key, target, _names, start, pk_at = layout[i]
            found = None if any(row[start + j] is None for j in pk_at) else _adopt_refreshed(target, values[i])
            values[at][key] = found
        return adopt(self.model, values[0])


def loaded_related(obj: Any, key: str) -> Any:
    """What ``obj``'s many-to-one relationship ``key`` holds if it is loaded (a :class:`PreparedGet` with
    ``also``), else None: never a lazy load's SQL."""
    return obj.__dict__.get(key)


def _adopt_refreshed(mapper, values: dict):
    """:func:`adopt`, and an object already in the session gets its expired columns from ``values`` (what
    the ORM's loader does for a joined row whose object is already loaded)."""
    obj = adopt(mapper.class_, values)
    expired = instance_state(obj).expired_attributes  # sa.inspect(obj), without the inspection registry
    if expired:
        for name in [n for n in expired if n in values]:
            set_committed_value(obj, name, values[name])
    return obj
