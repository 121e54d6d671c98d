"""Canonical keys for models, hardware, frameworks, precisions and speculative-decoding methods.

Sources spell the same thing many ways (``DeepSeek-R1-0528``, ``dsr1``, ``deepseek-ai/...``).
Adapters map every spelling to one canonical key and keep the original in the point's
``*_raw`` field. An unknown spelling is an error, never a new key: a typo must not create a new
hardware or model that silently has no prices or no peers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

# Where an editor adds a key of each open kind (models, hardware, frameworks are data: the
# shipped ones below, and those added through the API, tco.domain.catalog_entries).
_HOW_TO_ADD = {
    "model": "POST /v1/catalog/models or tco catalog add-model",
    "hardware": "POST /v1/catalog/hardware or tco catalog add-hardware",
    "framework": "POST /v1/catalog/frameworks or tco catalog add-framework",
}


class UnknownKeyError(ValueError):
    """A raw value that maps to no canonical key."""

    def __init__(self, field: str, value: str) -> None:
        how = _HOW_TO_ADD.get(field)
        hint = (
            f" (not in the catalog: add it with {how}, or use a known key or alias)" if how else ""
        )
        super().__init__(f"unknown {field} {value!r}{hint}")
        self.field = field
        self.value = value


def _fold(raw: str) -> str:
    # Case, spaces, hyphens and underscores do not distinguish keys:
    # "H100 SXM", "h100-sxm" and "H100_SXM" are one spelling.
    return re.sub(r"[\s_\-]+", "", raw.strip().lower())


def _alias_table(aliases: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for key, spellings in aliases.items():
        for spelling in (key, *spellings):
            folded = _fold(spelling)
            if table.setdefault(folded, key) != key:
                raise AssertionError(f"alias {spelling!r} maps to two keys")
    return table


# --- models -----------------------------------------------------------------------------------

MODEL_DISPLAY_NAMES: dict[str, str] = {
    "dsr1": "DeepSeek-R1-0528",
    "kimi-k2.5": "Kimi-K2.5",
    # The blog wording "Kimi K2.5/K2.6" does not say which model ran: a key of its own so it is
    # never merged with either.
    "kimi-k2.5-or-k2.6": "Kimi-K2.5 or K2.6 (ambiguous blog wording)",
    "dsv4-pro": "DeepSeek-V4-Pro",
    "glm-5": "GLM-5",
    "minimax-m2.5": "MiniMax-M2.5",
    "qwen3.5-397b-a17b": "Qwen3.5-397B-A17B",
    # models of the benchmark-tool examples and the new-hardware points (benchmarks/README.md)
    "gpt-oss-120b": "gpt-oss-120b",
    "llama-3.3-70b": "Llama-3.3-70B-Instruct",
    "llama-2-70b": "Llama-2-70B-Chat",
    "qwen3.6-35b-a3b": "Qwen3.6-35B-A3B",
    "glm-4.7": "GLM-4.7",
    "minimax-m3": "MiniMax-M3",
    # InferenceX database keys that its API serves under another model's display name
    # (InferenceX-app packages/constants/src/models.ts: Kimi-K2.5 covers kimik2.5 and kimik2.6,
    # MiniMax-M2.5 covers m2.5 and m2.7, GLM-5 covers glm5 and glm5.1): distinct models, each
    # its own key, so that tco sync stores their rows instead of refusing them.
    "kimi-k2.6": "Kimi-K2.6",
    "minimax-m2.7": "MiniMax-M2.7",
    "glm-5.1": "GLM-5.1",
}

_MODEL_ALIASES: dict[str, tuple[str, ...]] = {
    "dsr1": (
        "DeepSeek-R1-0528",
        "DeepSeek-R1",
        "deepseek-ai/DeepSeek-R1-0528",
        "deepseek-ai/DeepSeek-R1",
    ),
    "kimi-k2.5": ("Kimi-K2.5", "kimik2.5", "moonshotai/Kimi-K2.5"),
    "kimi-k2.5-or-k2.6": ("Kimi-K2.5/K2.6 (blog wording)", "Kimi-K2.5/K2.6"),
    # dsv4: InferenceX's database key for DeepSeek-V4-Pro (models.ts)
    "dsv4-pro": ("DeepSeek-V4-Pro", "dsv4pro", "dsv4", "deepseek-ai/DeepSeek-V4-Pro"),
    "glm-5": ("GLM-5", "glm5", "zai-org/GLM-5"),
    "minimax-m2.5": ("MiniMax-M2.5", "minimaxm2.5", "MiniMaxAI/MiniMax-M2.5"),
    "qwen3.5-397b-a17b": ("Qwen3.5-397B-A17B", "qwen3.5", "Qwen/Qwen3.5-397B-A17B"),
    "gpt-oss-120b": ("openai/gpt-oss-120b", "gptoss120b"),
    "llama-3.3-70b": (
        "Llama-3.3-70B-Instruct",
        # InferenceX's key and display name for its FP8 checkpoint (the precision is a field)
        "llama70b",
        "Llama-3.3-70B-Instruct-FP8",
        "meta-llama/Llama-3.3-70B-Instruct",
        "llama3.3-70b",
    ),
    "llama-2-70b": ("Llama-2-70b-chat", "meta-llama/Llama-2-70b-chat-hf", "llama2-70b"),
    "qwen3.6-35b-a3b": (
        "Qwen3.6-35B-A3B",
        "Qwen/Qwen3.6-35B-A3B",
        "nvidia/Qwen3.6-35B-A3B-NVFP4",
        "qwen3.6-nvfp4",
    ),
    "glm-4.7": ("GLM-4.7", "glm47", "zai-org/GLM-4.7"),
    "minimax-m3": ("MiniMax-M3", "minimaxm3", "MiniMaxAI/MiniMax-M3"),
    "kimi-k2.6": ("kimik2.6",),
    "minimax-m2.7": ("minimaxm2.7",),
    "glm-5.1": ("glm5.1",),
}

# Model variants (README "Model variants"): an alias is another spelling of one model and its
# points are that model's; a variant is a different key whose points are never merged into its
# base model's quotes (the base's answers name it, a quote of the variant uses them).
MODEL_VARIANT_OF: dict[str, str] = {
    # "Kimi K2.5/K2.6" in a blog post does not say which model ran (see MODEL_DISPLAY_NAMES)
    "kimi-k2.5-or-k2.6": "kimi-k2.5",
}


def variants_of(model: str) -> list[str]:
    """The model keys declared variants of ``model``, sorted."""
    return sorted(k for k, base in MODEL_VARIANT_OF.items() if base == model)


# --- hardware ---------------------------------------------------------------------------------

HARDWARE_DISPLAY_NAMES: dict[str, str] = {
    "h100": "NVIDIA H100 SXM",
    "h200": "NVIDIA H200 SXM",
    "b200": "NVIDIA B200",
    "b300": "NVIDIA B300",
    "gb200": "NVIDIA GB200 NVL72",
    "gb300": "NVIDIA GB300 NVL72",
    "mi300x": "AMD Instinct MI300X",
    "mi325x": "AMD Instinct MI325X",
    "mi355x": "AMD Instinct MI355X",
    "rtx6000pro": "NVIDIA RTX PRO 6000 Blackwell",
    "tpuv7": "Google TPU v7 (Ironwood)",
    "vr200": "NVIDIA Vera Rubin VR200 NVL72",
    "gaudi3": "Intel Gaudi 3",
    "rtx5090": "NVIDIA GeForce RTX 5090",
}

_HARDWARE_ALIASES: dict[str, tuple[str, ...]] = {
    "h100": ("H100 SXM", "H100 SXM5", "NVIDIA H100"),
    "h200": ("H200 SXM", "NVIDIA H200"),
    "b200": ("HGX B200", "B200 SXM", "NVIDIA B200"),
    "b300": ("HGX B300", "B300 SXM", "NVIDIA B300"),
    "gb200": ("GB200 NVL72", "NVIDIA GB200"),
    "gb300": ("GB300 NVL72", "NVIDIA GB300"),
    "mi300x": ("MI300X", "Instinct MI300X", "AMD MI300X"),
    "mi325x": ("MI325X", "Instinct MI325X", "AMD MI325X"),
    "mi355x": ("MI355X", "Instinct MI355X", "AMD MI355X"),
    "rtx6000pro": ("RTX PRO 6000", "RTX Pro 6000 Blackwell", "rtx6000-pro"),
    "tpuv7": ("TPU v7", "tpu7x", "Ironwood"),
    "vr200": ("VR200 NVL72", "Vera Rubin NVL72"),
    "gaudi3": ("Gaudi 3", "Intel Gaudi 3", "hl-325l"),
    "rtx5090": ("RTX 5090", "GeForce RTX 5090", "5090"),
}

# --- frameworks, precisions, speculative decoding ----------------------------------------------

FRAMEWORK_DISPLAY_NAMES: dict[str, str] = {
    "vllm": "vLLM",
    "sglang": "SGLang",
    "trt": "TensorRT-LLM",
    "dynamo-trt": "Dynamo + TensorRT-LLM",
    "dynamo-vllm": "Dynamo + vLLM",
    "dynamo-sglang": "Dynamo + SGLang",
    "mori-sglang": "MoRI + SGLang",
    "atom": "ATOM",
    # InferenceX's names for those frameworks' own prefill/decode disaggregation (availability
    # rows, 2026-06): kept apart from the aggregated framework rather than assumed the same
    "vllm-disagg": "vLLM (disaggregated)",
    "atom-disagg": "ATOM (disaggregated)",
}

_FRAMEWORK_ALIASES: dict[str, tuple[str, ...]] = {
    "vllm": (),
    "sglang": (),
    "trt": ("trtllm", "tensorrt-llm", "TensorRT-LLM"),
    "dynamo-trt": ("dynamo-trtllm", "dynamo-tensorrt-llm"),
    "dynamo-vllm": (),
    "dynamo-sglang": (),
    "mori-sglang": (),
    "atom": (),
    "vllm-disagg": (),
    "atom-disagg": (),
}

PRECISION_KEYS: tuple[str, ...] = ("fp4", "fp8", "int4", "bf16")
_PRECISION_ALIASES: dict[str, tuple[str, ...]] = {
    # NVFP4 and MXFP4 are both 4-bit float formats; the key is the bit width class, the exact
    # format stays in precision_raw.
    "fp4": ("nvfp4", "mxfp4"),
    "fp8": (),
    "int4": ("w4a16",),
    "bf16": ("bfloat16",),
}

# "unknown" is a real value: a recipe identity field that the source did not state must not be
# guessed as "none" (it would merge an MTP run into a non-MTP curve).
SPEC_METHOD_KEYS: tuple[str, ...] = ("none", "mtp", "unknown")
_SPEC_METHOD_ALIASES: dict[str, tuple[str, ...]] = {
    "none": (),
    "mtp": (),
    "unknown": ("not stated",),
}

MODEL_KEYS: tuple[str, ...] = tuple(MODEL_DISPLAY_NAMES)
HARDWARE_KEYS: tuple[str, ...] = tuple(HARDWARE_DISPLAY_NAMES)
FRAMEWORK_KEYS: tuple[str, ...] = tuple(FRAMEWORK_DISPLAY_NAMES)

_MODELS = _alias_table(_MODEL_ALIASES)
_HARDWARE = _alias_table(_HARDWARE_ALIASES)
_FRAMEWORKS = _alias_table(_FRAMEWORK_ALIASES)
_PRECISIONS = _alias_table(_PRECISION_ALIASES)
_SPEC_METHODS = _alias_table(_SPEC_METHOD_ALIASES)


def _lookup(table: dict[str, str], field: str, raw: str) -> str:
    try:
        return table[_fold(raw)]
    except KeyError:
        raise UnknownKeyError(field, raw) from None


def canonical_model(raw: str) -> str:
    return _lookup(_MODELS, "model", raw)


def canonical_hardware(raw: str) -> str:
    return _lookup(_HARDWARE, "hardware", raw)


def canonical_framework(raw: str) -> str:
    return _lookup(_FRAMEWORKS, "framework", raw)


def canonical_precision(raw: str) -> str:
    """``fp4 (NVFP4)`` -> ``fp4``: the parenthesised format detail stays in precision_raw only,
    but it must name a format of the same class (``fp8 (NVFP4)`` is an error)."""
    match = re.fullmatch(r"\s*([^()]+?)\s*(?:\(\s*([^()]+?)\s*\))?\s*", raw)
    if match is None:
        raise UnknownKeyError("precision", raw)
    key = _lookup(_PRECISIONS, "precision", match.group(1))
    detail = match.group(2)
    if detail is not None and _PRECISIONS.get(_fold(detail)) != key:
        raise UnknownKeyError("precision", raw)
    return key


def canonical_spec_method(raw: str) -> str:
    return _lookup(_SPEC_METHODS, "spec_method", raw)


# --- catalog entries added at run time --------------------------------------------------------

_TABLES = {"model": _MODELS, "hardware": _HARDWARE, "framework": _FRAMEWORKS}
_DISPLAY = {
    "model": MODEL_DISPLAY_NAMES,
    "hardware": HARDWARE_DISPLAY_NAMES,
    "framework": FRAMEWORK_DISPLAY_NAMES,
}
_SHIPPED_SPELLINGS = {kind: dict(table) for kind, table in _TABLES.items()}
_listeners: list[Callable[[], None]] = []


def on_change(callback: Callable[[], None]) -> None:
    """Call ``callback`` whenever entries are registered (caches of canonical lookups)."""
    _listeners.append(callback)


def conflicting_spelling(kind: str, key: str, spellings: Iterable[str]) -> str | None:
    """A spelling of ``key`` that already names another key of ``kind``, if any."""
    table = _TABLES[kind]
    for spelling in (key, *spellings):
        owner = table.get(_fold(spelling))
        if owner is not None and owner != key:
            return spelling
    return None


def is_shipped(kind: str, key: str) -> bool:
    return _SHIPPED_SPELLINGS[kind].get(_fold(key)) == key


def register(
    kind: str,
    key: str,
    display_name: str,
    aliases: Iterable[str],
    variant_of: str | None = None,
) -> None:
    """Make ``key`` (and its aliases) a canonical key of ``kind`` in this process: an idempotent
    upsert of an entry added through the catalog API. A spelling of another key is an error."""
    spellings = tuple(aliases)
    clash = conflicting_spelling(kind, key, spellings)
    if clash is not None:
        raise ValueError(f"{kind} spelling {clash!r} already names {_TABLES[kind][_fold(clash)]!r}")
    table = _TABLES[kind]
    for spelling in (key, *spellings):
        table[_fold(spelling)] = key
    _DISPLAY[kind][key] = display_name
    if kind == "model" and variant_of is not None:
        MODEL_VARIANT_OF[key] = variant_of
    for callback in _listeners:
        callback()
