import pytest

from tco.domain import keys
from tco.domain.keys import (
    HARDWARE_KEYS,
    MODEL_DISPLAY_NAMES,
    UnknownKeyError,
    canonical_framework,
    canonical_hardware,
    canonical_model,
    canonical_precision,
    canonical_spec_method,
)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("DeepSeek-R1-0528", "dsr1"),
        ("DeepSeek-R1", "dsr1"),
        ("dsr1", "dsr1"),
        ("deepseek-ai/DeepSeek-R1-0528", "dsr1"),
        ("Kimi-K2.5", "kimi-k2.5"),
        ("kimik2.5", "kimi-k2.5"),
        ("moonshotai/Kimi-K2.5", "kimi-k2.5"),
        ("Kimi-K2.5/K2.6 (blog wording)", "kimi-k2.5-or-k2.6"),
        ("DeepSeek-V4-Pro", "dsv4-pro"),
        ("GLM-5", "glm-5"),
        ("MiniMax-M2.5", "minimax-m2.5"),
        ("Qwen3.5-397B-A17B", "qwen3.5-397b-a17b"),
    ],
)
def test_model_aliases(raw: str, key: str) -> None:
    assert canonical_model(raw) == key


def test_ambiguous_kimi_is_never_merged() -> None:
    assert canonical_model("Kimi-K2.5/K2.6 (blog wording)") != canonical_model("Kimi-K2.5")
    assert "kimi-k2.5-or-k2.6" in MODEL_DISPLAY_NAMES


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("H100 SXM", "h100"),
        ("h100", "h100"),
        ("GB200 NVL72", "gb200"),
        ("MI355X", "mi355x"),
        ("mi325x", "mi325x"),
        ("RTX PRO 6000", "rtx6000pro"),
        ("TPU v7", "tpuv7"),
        ("VR200 NVL72", "vr200"),
    ],
)
def test_hardware_aliases(raw: str, key: str) -> None:
    assert canonical_hardware(raw) == key


def test_hardware_keys_are_the_documented_set() -> None:
    assert set(HARDWARE_KEYS) == {
        "h100", "h200", "b200", "b300", "gb200", "gb300",
        "mi300x", "mi325x", "mi355x", "rtx6000pro", "tpuv7", "vr200", "gaudi3", "rtx5090",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "key"),
    [("trtllm", "trt"), ("TensorRT-LLM", "trt"), ("dynamo-trt", "dynamo-trt"), ("atom", "atom")],
)
def test_framework_aliases(raw: str, key: str) -> None:
    assert canonical_framework(raw) == key


@pytest.mark.parametrize(
    ("raw", "key"),
    [("fp4 (NVFP4)", "fp4"), ("fp4 (MXFP4)", "fp4"), ("fp8", "fp8"), ("int4", "int4")],
)
def test_precision_drops_the_format_detail(raw: str, key: str) -> None:
    assert canonical_precision(raw) == key


def test_spec_method_not_stated_is_unknown_not_none() -> None:
    assert canonical_spec_method("not stated") == "unknown"
    assert canonical_spec_method("mtp") == "mtp"
    assert canonical_spec_method("none") == "none"


@pytest.mark.parametrize(
    ("function", "raw", "field"),
    [
        (canonical_hardware, "A100", "hardware"),
        (canonical_model, "Llama-3-70B", "model"),
        (canonical_framework, "tgi", "framework"),
        (canonical_precision, "fp8 (NVFP4)", "precision"),
        (canonical_spec_method, "eagle9", "spec_method"),
    ],
)
def test_unknown_spelling_is_an_error(function: object, raw: str, field: str) -> None:
    assert callable(function)
    with pytest.raises(UnknownKeyError) as caught:
        function(raw)
    assert (caught.value.field, caught.value.value) == (field, raw)


def test_every_key_has_a_display_name() -> None:
    assert set(keys.FRAMEWORK_KEYS) == set(keys.FRAMEWORK_DISPLAY_NAMES)
    assert all(MODEL_DISPLAY_NAMES.values())
