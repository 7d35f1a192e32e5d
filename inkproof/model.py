"""The Flow model: the one thing render/ and runtime/ share.

Everything a picture shows and everything a verification run checks is declared here once.
Instances are frozen and hold tuples, so no stage can change what another stage sees.
Build them with :func:`inkproof.loader.load_flow`, which validates references, locations
and placeholders first; constructing models directly skips those checks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    Strict,
    ValidationError,
    ValidationInfo,
    WrapValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError, core_schema

from inkproof import labels
from inkproof.canvas import AUTO, MAX_SIDE, MIN_SIDE, PRESETS
from inkproof.render.theme import PALETTES, PATH_KINDS

FORMAT_VERSION = 1

#: Lowercase words joined by '-': ids, component kinds and icon names share this form.
NAME_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"

Id = Annotated[
    str,
    Field(pattern=NAME_PATTERN, max_length=64,
          description="Stable id: lowercase words joined by '-'. Used in catalogs and file names."),
]


def _context_vars(info: ValidationInfo) -> dict[str, Any]:
    return (info.context or {}).get("vars", {})


class LabelText(labels.Label):
    """Pydantic glue for :class:`inkproof.labels.Label`: a string in YAML, spans in the model."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler
                                     ) -> core_schema.CoreSchema:
        return core_schema.with_info_after_validator_function(
            cls._from_source,
            core_schema.str_schema(min_length=1, max_length=400),
            serialization=core_schema.plain_serializer_function_ser_schema(lambda v: v.source),
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: core_schema.CoreSchema,
                                     handler: GetJsonSchemaHandler) -> dict[str, Any]:
        json_schema = handler(schema)
        json_schema["description"] = ("Text shown in the picture and translated. `{{ var }}` "
                                      "placeholders are filled from vars; `backtick` spans are "
                                      "code and never translated.")
        return json_schema

    @classmethod
    def _from_source(cls, source: str, info: ValidationInfo) -> labels.Label:
        try:
            return labels.render_label(source, _context_vars(info))
        except labels.LabelError as exc:
            raise PydanticCustomError("label", str(exc)) from None


def _render_template(source: str, info: ValidationInfo) -> str:
    try:
        return labels.render_template(source, _context_vars(info))
    except labels.LabelError as exc:
        raise PydanticCustomError("template", str(exc)) from None


Scalar = str | int | float | bool

# Numbers and flags are taken as written: YAML `seed: true` or `canvas: [1024.0, "1024"]` is
# a type error, not silently 1 and 1024 (lax coercion would hide a typo in a spec).
Integer = Annotated[int, Strict()]
Number = Annotated[float, Strict()]  # an int is a number too
Flag = Annotated[bool, Strict()]


def _freeze(mapping: dict[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


#: A read-only mapping: frozen models must not hold dicts someone could still change.
FrozenScalars = Annotated[dict[str, Scalar], AfterValidator(_freeze),
                          PlainSerializer(dict, return_type=dict)]

#: A string with ``{{ var }}`` placeholders, rendered once at load (expectations, requests).
Template = Annotated[str, Field(min_length=1, max_length=400), AfterValidator(_render_template)]


class Node(BaseModel):
    """Common configuration: frozen, unknown fields rejected, aliases accepted."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              use_enum_values=False)


class OneOf(Node):
    """A node in which exactly one of the optional fields must be given (a tagged choice).

    ``companions`` maps a field that qualifies a choice to the choice it belongs to
    (a request's ``json`` body); companions do not count as choices.
    """

    companions: ClassVar[dict[str, str]] = {}

    @classmethod
    def _choices(cls) -> list[str]:
        return [name for name in cls.model_fields if name not in cls.companions]

    @model_validator(mode="after")
    def _exactly_one(self) -> OneOf:
        fields = type(self).model_fields
        given = [name for name in self._choices() if getattr(self, name) is not None]
        if len(given) != 1:
            choices = ", ".join(fields[n].alias or n for n in self._choices())
            found = f"got {', '.join(fields[n].alias or n for n in given)}" if given else "got none"
            raise PydanticCustomError("one_of", "expected exactly one of: {choices} ({found})",
                                      {"choices": choices, "found": found})
        for companion, owner in self.companions.items():
            if getattr(self, companion) is not None and getattr(self, owner) is None:
                raise PydanticCustomError(
                    "one_of", "'{companion}' only goes with '{owner}'",
                    {"companion": fields[companion].alias or companion, "owner": owner})
        return self

    @property
    def kind(self) -> str:
        """Name of the choice that is set."""
        return next(n for n in self._choices() if getattr(self, n) is not None)


class Property(StrEnum):
    """Behaviours a callout, note or strategy can claim; runtime/ proves each by name."""

    CACHE_ASIDE = "cache-aside"
    CACHE_HIT = "cache-hit"
    CACHE_MISS = "cache-miss"
    TTL_ON_FILL = "ttl-on-fill"
    PUBLISH_AFTER_COMMIT = "publish-after-commit"
    ASYNC_INVALIDATION = "async-invalidation"
    IDEMPOTENT_CONSUMER = "idempotent-consumer"
    STALE_READ_WINDOW = "stale-read-window"
    EVENTUAL_CONSISTENCY = "eventual-consistency"
    DELETE_ON_WRITE = "delete-on-write"
    WRITE_THROUGH_REFRESH = "write-through-refresh"
    TTL_BACKSTOP = "ttl-backstop"
    KEY_VERSIONING = "key-versioning"


class Component(StrEnum):
    """The component kinds the reference system has, which verification observes by name
    (``runtime/``). A box may name any other kind too (:data:`ComponentKind`)."""

    CLIENT = "client"
    API = "api"
    DATABASE = "database"
    CACHE = "cache"
    QUEUE = "queue"
    WORKER = "worker"


#: Any kind of component (``object-store``, ``function``): an open name. The six
#: :class:`Component` kinds are the ones the reference system has.
ComponentKind = Annotated[str, Field(pattern=NAME_PATTERN, max_length=64)]

#: Which service of the running system a box stands for (``orders-api``), for verification.
ServiceName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=100)]


class Icon(StrEnum):
    """The first hand-drawn icons (generic shapes, never vendor logos). The full registry of
    icon names is ``inkproof.render.icons.names()``; see :func:`icon_names`."""

    WEB_WINDOW = "web-window"
    SERVER_RACK = "server-rack"
    MEMORY_STACK = "memory-stack"
    MESSAGE_QUEUE = "message-queue"
    GEAR = "gear"
    BOT = "bot"
    DATABASE = "database"
    REPLICA = "replica"
    CHART_PULSE = "chart-pulse"
    LOGS = "logs"
    CLOUD = "cloud"


def icon_names() -> frozenset[str]:
    """Every icon name a spec may use: the renderer's registry (the :class:`Icon` values
    while the renderer has none)."""
    from inkproof.render import icons  # imported late: the renderer imports this module

    registered = getattr(icons, "names", None)
    return frozenset(registered()) if callable(registered) else frozenset(Icon)


#: A folder or file name inside an icon path (no '..', no hidden files, no ':' of a URL).
_PATH_PART = r"[A-Za-z0-9_][A-Za-z0-9_.-]*"
ICON_FILE_PATTERN = rf"^({_PATH_PART}/)*{_PATH_PART}\.svg$"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def icon_form_problem(value: str) -> str | None:
    """Why ``value`` is neither an icon name nor a safe path to an .svg file beside the spec
    (None when it is one). Whether the name is registered and the file exists is checked at
    load (:mod:`inkproof.checks`), where the spec's folder is known."""
    if re.fullmatch(NAME_PATTERN, value):
        return None
    if _URL.match(value):
        return f"icon '{value}' is a URL: an icon file must be beside the spec"
    if value.startswith(("/", "~")):
        return f"icon '{value}' is an absolute path: give a path relative to the spec's folder"
    if "\\" in value:
        return f"icon '{value}' uses '\\': separate folders with '/'"
    if not value.endswith(".svg"):
        return (f"icon '{value}' is neither an icon name (lowercase words joined by '-') "
                "nor an .svg file")
    if ".." in value.split("/"):
        return f"icon '{value}' leads outside the spec's folder"
    if not re.fullmatch(ICON_FILE_PATTERN, value):
        return (f"icon '{value}' is not a plain relative path: folder and file names are "
                "letters, digits, '_', '.' and '-'")
    return None


class IconRef(str):
    """A box's icon: a registered icon name, or a relative path to the user's own .svg file
    beside the spec (``icons/bucket.svg``). A plain string, with ``is_file`` to tell which."""

    __slots__ = ()

    @property
    def is_file(self) -> bool:
        return self.endswith(".svg")

    @property
    def value(self) -> str:
        """The reference as written (what ``Icon.value`` gave: old render code reads it)."""
        return str(self)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler
                                     ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            cls._validate, core_schema.str_schema(min_length=1, max_length=200),
            serialization=core_schema.plain_serializer_function_ser_schema(str))

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: core_schema.CoreSchema,
                                     handler: GetJsonSchemaHandler) -> dict[str, Any]:
        return {"anyOf": [{"enum": sorted(icon_names())},
                          {"type": "string", "pattern": ICON_FILE_PATTERN, "maxLength": 200}],
                "description": "A registered icon name, or the path of your own .svg file "
                               "relative to the spec's folder (no '..', no URL)."}

    @classmethod
    def _validate(cls, value: str) -> IconRef:
        problem = icon_form_problem(value)
        if problem is not None:
            raise PydanticCustomError("icon", "{problem}", {"problem": problem})
        return cls(value)


# ---- style -------------------------------------------------------------------------------

#: The looks and the kinds of arrow are the renderer's registries; the model accepts exactly
#: their names (a Literal built from them, so an unknown name lists the known ones).
PaletteName = Literal[tuple(PALETTES)]  # type: ignore[valid-type]
PathKindName = Literal[tuple(PATH_KINDS)]  # type: ignore[valid-type]

def _one_canvas_error(value: Any, handler: Any) -> Any:
    """One clear error for a bad canvas, not one per alternative of the union."""
    try:
        return handler(value)
    except ValidationError:
        raise PydanticCustomError(
            "canvas", "{value} is not a canvas: expected auto, a preset ({presets}) or "
            "[width, height] in whole pixels from {low} to {high}",
            {"value": repr(value), "presets": ", ".join(PRESETS), "low": MIN_SIDE,
             "high": MAX_SIDE}) from None


#: A canvas by name: ``auto`` or a preset of :mod:`inkproof.canvas`.
CanvasName = Literal[(AUTO, *PRESETS)]  # type: ignore[valid-type]
Side = Annotated[Integer, Field(ge=MIN_SIDE, le=MAX_SIDE)]


#: Which way the flow runs: the vocabulary of ``style.direction`` and of the layout engines.
Direction = Literal["TB", "LR"]


class Style(Node):
    """How the picture looks. The seed makes sketch strokes reproducible (0 would mean random)."""

    theme: Literal["whiteboard", "classic"] = "whiteboard"
    palette: PaletteName = Field(  # type: ignore[valid-type]
        "cool-blue", description="The look: " + ", ".join(PALETTES) + ". The transparent "
                                 "ones leave the background to the page (docs sites).")
    canvas: Annotated[CanvasName | tuple[Side, Side], WrapValidator(_one_canvas_error)] = Field(
        AUTO, description="auto (the size and aspect the content needs, among the presets), "
                          f"a preset ({', '.join(PRESETS)}) or [width, height] in pixels.")
    seed: Integer = Field(7, ge=1, le=2**31 - 1)
    rtl: Literal["mirror", "keep"] = Field(
        "mirror", description="Right-to-left languages: mirror the whole layout (title and "
                              "legend at the right, lanes flowing right to left) or keep it.")
    direction: Direction | None = Field(
        None, description="Which way the flow runs: TB (rows top to bottom, lanes as columns) "
                          "or LR (left to right, lanes as horizontal bands stacked top to "
                          "bottom, each titled at its left). Not set: TB.")


# ---- the picture -------------------------------------------------------------------------


class Lane(Node):
    """A stage column (Extract, Transform, Load) that boxes sit in."""

    id: Id
    title: LabelText
    caption: LabelText | None = None


class Box(Node):
    """A system component: icon, canonical name and a one-line role."""

    id: Id
    name: LabelText
    role: LabelText
    icon: IconRef
    lane: Id | None = None
    optional: Flag = Field(False, description="Drawn dashed; the flow works without it.")
    component: ComponentKind | None = Field(
        None, description="The kind of component this box is: any name (object-store, "
                          "function, ...). The reference system has client, api, database, "
                          "cache, queue and worker. Defaults from the icon: web-window is the "
                          "client, server-rack the api, database the database, memory-stack "
                          "the cache, message-queue the queue, gear the worker.")
    service: ServiceName | None = Field(
        None, description="The service of the running system this box stands for "
                          "(orders-api), for verification.")


class HttpResponse(Node):
    status: Integer = Field(ge=100, le=599)
    content_type: str | None = Field(None, max_length=100)


class RedisReply(Node):
    command: str = Field(pattern=r"^[A-Z]+$")
    result: Literal["hit", "miss", "any"] = "any"


class SqlResult(Node):
    min_rows: Integer = Field(1, ge=0)


SqlKind = Literal["SELECT", "INSERT", "UPDATE", "DELETE", "UPSERT", "BEGIN", "COMMIT",
                  "ROLLBACK"]


class Message(Node):
    fields: tuple[Annotated[str, Field(min_length=1, max_length=64)], ...] = Field(min_length=1)


class Expect(OneOf):
    """What a verification run must observe for an arrow (exactly one kind).

    Patterns are whitespace-separated tokens; ``*`` matches any one token and ``A|B``
    either alternative (``"DEL|UNLINK {{ key }}"``).
    """

    request: Template | None = Field(None, description="HTTP request: 'METHOD /path'.")
    response: HttpResponse | None = None
    redis: Template | None = Field(None, description="Redis command pattern.")
    redis_reply: RedisReply | None = None
    sql: tuple[SqlKind, ...] | None = Field(None, min_length=1,
                                            description="SQL statement kinds, in order.")
    sql_result: SqlResult | None = None
    publish: Message | None = Field(None, description="An event published to the queue.")
    consume: Message | None = Field(None, description="An event consumed from the queue.")


class Arrow(Node):
    """A directed interaction between two boxes, with its label and what proves it."""

    id: Id
    source: Id = Field(alias="from")
    target: Id = Field(alias="to")
    label: LabelText
    path: PathKindName = Field(  # type: ignore[valid-type]
        description="The kind of path, which sets the arrow's colour and dash (the picture's "
                    "key names the kinds it uses): " + ", ".join(PATH_KINDS) + ".")
    expect: Expect | None = Field(
        None, description="What a verification run must observe. Without it the arrow is "
                          "drawn and reported 'not claimed'; no scenario may list it.")
    optional: Flag = False


class LegendStep(Node):
    """One numbered step of the walkthrough; its number is drawn on the arrows it names."""

    n: Integer = Field(ge=1)
    text: LabelText
    arrows: tuple[Id, ...] = Field(min_length=1)


class Callout(Node):
    """A sticky note pointing at a box, arrow or lane; it may claim a property runtime/
    proves, or simply inform (reported 'not claimed')."""

    id: Id
    text: LabelText
    near: Id
    proves: Property | None = None


class Note(Node):
    """A free-standing note: ``caution`` (disclaimer) or ``highlight`` (key takeaway)."""

    id: Id
    kind: Literal["caution", "highlight"]
    text: LabelText
    near: Id | None = None
    proves: Property | None = None


class Strategy(Node):
    """An invalidation strategy the flow illustrates (delete-on-write, TTL backstop, ...)."""

    id: Id
    name: LabelText
    text: LabelText | None = None
    arrows: tuple[Id, ...] = ()
    proves: Property


# ---- the executable part -----------------------------------------------------------------


class Step(OneOf):
    """One action of a scenario, driven by the verification harness."""

    request: Template | None = Field(None, description="Send 'METHOD /path' to the API.")
    json_body: FrozenScalars | None = Field(None, alias="json")
    drain: Literal["worker"] | None = Field(None, description="Let the worker consume every "
                                                              "pending event.")
    advance: Annotated[Number, Field(gt=0)] | None = Field(None, description="Advance the clock "
                                                                            "by N seconds.")
    redeliver: Literal["last"] | None = Field(None, description="Deliver the last consumed "
                                                                "event again.")

    companions: ClassVar[dict[str, str]] = {"json_body": "request"}


class Scenario(Node):
    """A run the harness drives; ``arrows`` must be observed in order, ``absent`` never."""

    id: Id
    title: str = Field(min_length=1, max_length=200)
    strategy: Id | None = Field(None, description="Strategy the system is configured with.")
    setup: tuple[Step, ...] = Field((), description="Driven before observation starts.")
    steps: tuple[Step, ...] = Field(min_length=1)
    arrows: tuple[Id, ...] = Field(min_length=1)
    absent: tuple[Id, ...] = ()


# ---- the flow ----------------------------------------------------------------------------


def _truth_query(text: str) -> str:
    if not re.match(r"(?is)\s*SELECT\b.*:id\b", text):
        raise ValueError("expected a SELECT that names the item's id as :id, e.g. "
                         "SELECT id, name FROM items WHERE id = :id")
    return text


class SystemSection(Node):
    """How to reach the running system a flow is verified against, and how to start it.

    Given in the spec (``system:``) or in an ``inkproof.toml`` beside it (``[system]``).
    ``{port}``, ``{redis}``, ``{db}`` and ``{otlp}`` in ``target``, ``command``, ``env``
    and ``ready`` are replaced by a free port, the ``--redis`` and ``--db`` URLs and the
    OTLP endpoint inkproof listens on."""

    target: str | None = Field(None, max_length=400, description="Base URL of the API "
                               "(http://127.0.0.1:{port}); --target overrides it.")
    command: str | None = Field(None, max_length=2000, description="Starts the system (split "
                                "like a shell command line, never run by a shell); inkproof "
                                "stops it by PID when verification ends.")
    cwd: str | None = Field(None, max_length=400, description="Folder the command runs in, "
                            "relative to the file that declares it.")
    env: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")],
              Annotated[str, Field(max_length=2000)]] = Field(
        default_factory=dict, description="Environment of the command (added to inkproof's).")
    ready: str | None = Field(None, max_length=400, description="URL or path that answers "
                              "2xx once the system is ready (default: the target itself).")
    ca: str | None = Field(None, max_length=400, description="A PEM file of the certificate "
                           "authority an https:// target's certificate is checked against "
                           "(relative to the file that declares it); default: the system's "
                           "trust store.")
    timeout: Number = Field(30.0, gt=0, le=600, description="Seconds to become ready.")
    eventually: Number = Field(5.0, gt=0, le=120, description="Seconds an asynchronous arrow "
                               "(the worker's) may take to happen.")
    services: dict[Id, ServiceName] = Field(
        default_factory=dict, description="Box id → the service.name its spans carry, where "
                                          "the box does not say (service:).")
    strategy: Property | None = Field(None, description="The invalidation strategy this "
                                      "deployment runs; claims of other strategies are not "
                                      "exercised against it unless `strategies` says how to "
                                      "start a deployment that runs them.")
    strategies: dict[Property, dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")],
                                    Annotated[str, Field(max_length=2000)]]] = Field(
        default_factory=dict, description="Strategy → the environment (added to env) of a "
                                          "deployment that runs it, started on demand.")
    truth: Annotated[str, AfterValidator(_truth_query)] | None = Field(
        None, max_length=2000, description="A SELECT that reads item :id from the database "
                              "(--db, or the embedded SQLite), its columns named as the API's "
                              "JSON names them (AS): values are compared with it, the source "
                              "of truth, not with what the write answered. Run read-only.")
    timers: dict[Literal["ttl", "redelivery_idle_ms"],
                 Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]] = Field(
        default_factory=dict, description="Which environment variable sets the cache TTL "
                                          "(seconds) and the redelivery idle time (ms), so "
                                          "claims about time run with short timers.")


class Flow(Node):
    """A whole infographic: picture, walkthrough and the scenarios that prove it."""

    inkproof: Literal[1] = Field(description="Spec format version.")
    id: Id
    title: LabelText
    subtitle: LabelText | None = None
    vars: Annotated[dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], Scalar],
                    AfterValidator(_freeze), PlainSerializer(dict, return_type=dict)] = {}
    style: Style = Style()
    lanes: tuple[Lane, ...] = ()
    boxes: tuple[Box, ...] = Field(min_length=1, max_length=200)
    arrows: tuple[Arrow, ...] = Field(max_length=400)
    legend: tuple[LegendStep, ...] = ()
    callouts: tuple[Callout, ...] = ()
    notes: tuple[Note, ...] = ()
    strategies: tuple[Strategy, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    deployments: tuple[Property, ...] = Field(
        (), description="Strategies the flow's system also runs, each as a deployment of "
        "its own, besides those its scenarios name. A claim is proven only on a deployment "
        "the flow runs: its scenarios' or these; a claim of any other strategy is not "
        "exercised (drift).")
    system: SystemSection | None = None

    def box(self, box_id: str) -> Box:
        return next(b for b in self.boxes if b.id == box_id)

    def arrow(self, arrow_id: str) -> Arrow:
        return next(a for a in self.arrows if a.id == arrow_id)

    def legend_numbers(self, arrow_id: str) -> tuple[int, ...]:
        """Legend step numbers that describe an arrow (drawn as badges on it)."""
        return tuple(step.n for step in self.legend if arrow_id in step.arrows)
