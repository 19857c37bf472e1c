"""Option decorators shared by the commands, built from the library's registries.

Choices come from ``FORMATS`` and ``BACKENDS``, so a new format or backend
needs no edit here.  Every option that can come from the environment is in
:data:`ENV_VARS`, the one list of ``EL2EN_*`` variables (the tests clear them
all from it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from translate.pipeline import TranslateConfig
    from translate.qa import QAOptions

F = TypeVar("F", bound=Callable[..., Any])

#: Every environment variable el2en reads, and what it sets.
ENV_VARS: dict[str, str] = {
    "EL2EN_MODEL": "--model",
    "EL2EN_REVISION": "--revision",
    "EL2EN_BACKEND": "--backend",
    "EL2EN_COMPUTE_TYPE": "--compute-type",
    "EL2EN_DEVICE": "--device",
    "EL2EN_BEAM": "--beam",
    "EL2EN_THREADS": "--threads",
    "EL2EN_INTER_THREADS": "--inter-threads",
    "EL2EN_FORMAT": "--format",
    "EL2EN_ENCODING": "--encoding",
    "EL2EN_MODELS_DIR": "the converted-model store (default ~/.cache/el2en/models)",
    "EL2EN_MEMORY": "the translation memory (default ~/.local/share/el2en/memory.sqlite)",
    "EL2EN_CACHE": "--cache",
    "EL2EN_GLOSSARY": "--glossary",
    "EL2EN_MIN_SCORE": "--min-score",
    "EL2EN_LOCK_TIMEOUT": "seconds to wait for a cache, memory or manifest locked by another "
    "process (default 10; then exit 1)",
}


def compute_types() -> tuple[str, ...]:
    """Return the --compute-type choices: CTranslate2's numeric types, and default/auto.

    transformers takes default, float32 and float16 (checked by check_config).
    """
    from translate.convert import QUANTIZATIONS

    return ("default", "auto", *QUANTIZATIONS)


EXIT_CODES_HELP = (
    "Exit codes: 0 ok; 1 runtime error (bad input content, model, output); 2 usage error; "
    "3 finished, but some inputs failed (batch); 4 another run holds the output folder's "
    "lock (batch); 128+N stopped by signal N (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP)."
)


def add_environment_help(command: click.Command) -> None:
    """Append to ``command``'s epilog the environment variables its own parameters read.

    Generated from the parameters' ``envvar``s, so that ``--help`` cannot leave
    one out (a hand-kept list missed EL2EN_INTER_THREADS and EL2EN_CACHE);
    subcommands of a group get theirs.
    """
    pairs = []
    for param in command.params:
        envvar = param.envvar
        names = [envvar] if isinstance(envvar, str) else list(envvar or ())
        label = param.opts[-1] if isinstance(param, click.Option) else param.human_readable_name
        pairs += [f"{name} ({label})" for name in names]
    paragraph = "Environment: " + ", ".join(pairs) + "; the command line wins."
    if pairs and paragraph not in (command.epilog or ""):
        before = f"{command.epilog.rstrip()}\n\n" if command.epilog else ""
        command.epilog = before + paragraph
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_environment_help(sub)


def apply(f: F, *decorators: Callable[[F], F]) -> F:
    """Return ``f`` with ``decorators`` applied, the first one outermost in --help."""
    for decorator in reversed(decorators):
        f = decorator(f)
    return f


VERBOSE_HELP = (
    "More messages: -v a line per file, the signature and flagged sentences; "
    "-vv batches and timings."
)


def verbosity(f: F, verbose_help: str = VERBOSE_HELP) -> F:
    """Add -v/--verbose (``verbose_help`` says what it adds: a command's own) and -q/--quiet."""
    return apply(
        f,
        click.option("-v", "--verbose", count=True, help=verbose_help),
        click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr; no progress."),
    )


#: Shared by translate, batch and segment, so all split sentences the same way.
segmenter_options = click.option(
    "--ano-teleia/--no-ano-teleia",
    default=False,
    show_default=True,
    help="Whether the ano teleia (·) ends a sentence.",
)

encoding_option = click.option(
    "--encoding",
    default=None,
    envvar="EL2EN_ENCODING",
    metavar="CODEC",
    help="Input encoding (iso-8859-7, cp1253, any Python codec), or a list tried in order "
    "per file (utf-8,cp1253). Default: UTF-8, with or without BOM; UTF-16 with a BOM is "
    "recognised.",
)


def format_option(default: str = "text") -> Callable[[F], F]:
    """Return the -f/--format option: one or more comma-separated names from FORMATS."""
    from translate.formats import FORMATS

    listing = "; ".join(f"{f.name}: {f.help}" for f in FORMATS.values())
    return click.option(
        "-f",
        "--format",
        "formats",
        default=default,
        show_default=True,
        envvar="EL2EN_FORMAT",
        metavar="FORMAT[,FORMAT...]",
        help=f"Output format(s), comma-separated. {listing}.",
        callback=_check_formats,
    )


def _check_formats(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """Refuse an unknown format as Click refuses a bad value: a usage line naming -f/--format."""
    from translate.errors import UsageError
    from translate.formats import parse_formats

    try:
        parse_formats(value)
    except UsageError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None
    return value


def model_options(f: F) -> F:
    """Add the options that choose the model, the backend and how to decode."""
    from translate.backends import BACKENDS

    return apply(
        f,
        click.option(
            "-m",
            "--model",
            default="Helsinki-NLP/opus-mt-el-en",
            show_default=True,
            envvar="EL2EN_MODEL",
            help="Hugging Face hub id or local model folder.",
        ),
        click.option(
            "--revision",
            default=None,
            envvar="EL2EN_REVISION",
            help="Hub revision (branch, tag or commit) to pin.",
        ),
        click.option(
            "--backend",
            type=click.Choice(["auto", *BACKENDS]),
            default="auto",
            show_default=True,
            envvar="EL2EN_BACKEND",
            help="auto: CTranslate2 when installed and the model converts, else transformers.",
        ),
        click.option(
            "--compute-type",
            type=click.Choice(compute_types()),
            default="default",
            show_default=True,
            envvar="EL2EN_COMPUTE_TYPE",
            help="Numeric type; default: int8 on CPU, float16 on CUDA for CTranslate2, "
            "float32 for transformers (which takes float32 or float16 only).",
        ),
        click.option(
            "--beam",
            type=click.IntRange(1, 32),
            default=4,
            show_default=True,
            envvar="EL2EN_BEAM",
            help="Beam size (1 = greedy).",
        ),
        click.option(
            "--device",
            type=click.Choice(["auto", "cpu", "cuda"]),
            default="auto",
            show_default=True,
            envvar="EL2EN_DEVICE",
        ),
        click.option(
            "--threads",
            type=click.IntRange(0, 256),
            default=0,
            show_default=True,
            envvar="EL2EN_THREADS",
            help="CPU threads in all; 0 = one per core.",
        ),
        click.option(
            "--inter-threads",
            type=click.IntRange(min=0),
            default=0,
            show_default=True,
            envvar="EL2EN_INTER_THREADS",
            help="Batches decoded at once (CTranslate2 on CPU), each with --threads / this "
            "many threads; 0: one thread per batch, as many batches as threads. With one "
            "thread per batch the output is the same for every --threads; more threads per "
            "batch are named in the signature (intra:N).",
        ),
        click.option(
            "--max-source-tokens",
            type=click.IntRange(8, 511),
            default=200,
            show_default=True,
            help="Longer sentences are cut at clause boundaries and flagged 'split'.",
        ),
        click.option(
            "--max-output-tokens",
            type=click.IntRange(1, 512),
            default=256,
            show_default=True,
            help="Decoding limit; a translation that reaches it is flagged 'max_length'.",
        ),
        segmenter_options,
        click.option(
            "--glossary",
            type=click.Path(dir_okay=False),
            multiple=True,
            envvar="EL2EN_GLOSSARY",
            metavar="FILE",
            help="House glossary (OmegaT format: Greek<TAB>English[<TAB>comment]); repeatable; "
            "$EL2EN_GLOSSARY takes FILE[:FILE...]. Matched terms are enforced and listed; a "
            "sentence still lacking the agreed English is flagged 'term' (docs/glossary.md).",
        ),
        click.option(
            "--term-method",
            type=click.Choice(TERM_METHODS),
            default="prefix",
            show_default=True,
            help="How --glossary terms are enforced (docs/glossary.md); 'flag' only checks them.",
        ),
    )


#: translate.terms.METHODS, repeated so that --help imports no model code (a test checks).
TERM_METHODS = ("flag", "rerank", "prefix", "substitute", "rerank+prefix")


def translate_config(
    model: str,
    revision: str | None,
    backend: str,
    compute_type: str,
    beam: int,
    device: str,
    threads: int,
    inter_threads: int,
    max_source_tokens: int,
    max_output_tokens: int,
    ano_teleia: bool,
    glossary: tuple[str, ...] = (),
    term_method: str = "prefix",
    **_: object,
) -> TranslateConfig:
    """Return the TranslateConfig that :func:`model_options`' values describe."""
    from translate.backends import DecodeOptions
    from translate.pipeline import TranslateConfig, check_config
    from translate.segment import SegmenterOptions

    config = TranslateConfig(
        model=model,
        revision=revision,
        backend=backend,
        decode=DecodeOptions(
            beam_size=beam,
            max_output_tokens=max_output_tokens,
            device=device,
            compute_type=compute_type,
            threads=threads,
            inter_threads=inter_threads,
        ),
        max_source_tokens=max_source_tokens,
        segmenter=SegmenterOptions(ano_teleia_ends_sentence=ano_teleia),
        glossary=tuple(glossary),
        term_method=term_method,
    )
    check_config(config)
    return config


def qa_options(f: F) -> F:
    """Add the QA stage's switches and thresholds (see docs/qa.md)."""
    from translate.flags import QA

    return apply(
        f,
        click.option(
            "--qa/--no-qa",
            "qa",
            default=True,
            show_default=True,
            help="Run the QA checks that flag sentences for review.",
        ),
        click.option(
            "--qa-checks",
            default=",".join(QA),
            show_default=True,
            metavar="CHECK[,CHECK...]",
            help="Which QA checks run.",
        ),
        click.option(
            "--min-score",
            type=float,
            default=-1.5,
            show_default=True,
            envvar="EL2EN_MIN_SCORE",
            help="Flag 'low_score' below this mean log-probability per target token.",
        ),
        click.option(
            "--length-ratio",
            default="0.5:1.8",
            show_default=True,
            metavar="MIN:MAX",
            help="Flag 'length' when English/Greek characters fall outside MIN:MAX.",
        ),
    )


def pop_qa_config(settings: dict[str, Any]) -> QAOptions | None:
    """Remove :func:`qa_options`' values from a command's ``settings``; return their QAOptions."""
    names = ("qa", "qa_checks", "min_score", "length_ratio")
    return qa_config(**{name: settings.pop(name) for name in names})


def qa_config(qa: bool, qa_checks: str, min_score: float, length_ratio: str) -> QAOptions | None:
    """Return the QAOptions the options describe (None with --no-qa)."""
    from translate.errors import UsageError
    from translate.qa import QAOptions

    if not qa:
        return None
    try:
        low, _, high = length_ratio.partition(":")
        ratios = (float(low), float(high))
    except ValueError:
        raise UsageError(f"--length-ratio {length_ratio}: give MIN:MAX, e.g. 0.5:1.8") from None
    checks = frozenset(c.strip() for c in qa_checks.split(",") if c.strip())
    try:
        return QAOptions(
            checks=checks,
            min_score=min_score,
            min_length_ratio=ratios[0],
            max_length_ratio=ratios[1],
        )
    except ValueError as exc:
        raise UsageError(f"--qa-checks: {exc}") from None


memory_option = click.option(
    "--memory",
    "memory",
    default=None,
    metavar="PATH",
    help="Translation memory of reviewed translations, used before the model (flag 'human'). "
    "Default: $EL2EN_MEMORY, else ~/.local/share/el2en/memory.sqlite, when it exists "
    "('el2en review import' makes it).",
)
no_memory_option = click.option(
    "--no-memory", is_flag=True, help="Do not use the translation memory."
)
