"""Model weights: where they live, safetensors save/load with the network's config, and safe
import of third-party checkpoints (never unpickling code).

Shipped weights sit in ``models/NAME.safetensors`` beside a model card ``models/NAME.md``. The
search path is ``$MURALSTUDIO_MODELS`` (colon/semicolon separated), then the ``models`` folder
of a source checkout, then the one installed inside the package.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from muralstudio.core.atomic import atomic_path
from muralstudio.core.errors import WeightsError
from muralstudio.core.messages import Text
from muralstudio.core.pyramid import file_sha256

from muralstudio.engines.modelfiles import find_weights, model_dirs  # noqa: F401 (re-exported)


def save_weights(model: torch.nn.Module, path, config: dict, extra: dict | None = None) -> Path:
    """Write the state dict as safetensors, atomically, with ``config`` (how to rebuild the
    network) and ``extra`` (training facts) as JSON metadata."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    metadata = {"config": json.dumps(config), "extra": json.dumps(extra or {})}
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp), metadata=metadata)
    return path


def read_metadata(path) -> dict:
    from safetensors import safe_open

    try:
        with safe_open(str(path), "pt") as handle:
            meta = handle.metadata() or {}
    except Exception as exc:  # safetensors raises several types for damaged headers
        if _looks_like_torch_checkpoint(path):
            raise WeightsError(path, "a PyTorch checkpoint, not safetensors: bring it in with "
                                     "'muralstudio models import FILE --as ENGINE' (its tensors only; "
                                     "no code in it runs)") from None
        raise WeightsError(path, f"not a readable safetensors file ({exc})") from None
    out = {}
    for key in ("config", "extra"):
        if key not in meta:
            continue
        try:
            out[key] = json.loads(meta[key])
        except (ValueError, RecursionError) as exc:
            raise WeightsError(path, f"its {key} metadata is not valid JSON ({exc})") from None
        if not isinstance(out[key], dict):
            raise WeightsError(path, f"its {key} metadata is a {type(out[key]).__name__}, not an object")
    return out


def load_weights(path) -> tuple[dict[str, torch.Tensor], dict]:
    """State dict and config of a safetensors file; clear errors for missing/corrupt files."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(path, Text("weights_not_found"))
    meta = read_metadata(path)
    try:
        state = load_file(str(path))
    except Exception as exc:
        raise WeightsError(path, f"cannot read tensors ({exc})") from None
    return state, meta.get("config", {})


def check_dtypes(state: dict, path, allowed=(torch.float32,)) -> None:
    """Network weights are float32 (integer batch-norm counters aside): another dtype means a
    file from elsewhere, and casting it silently would change the results."""
    for name, tensor in state.items():
        if name.endswith("num_batches_tracked"):
            continue
        if tensor.dtype not in allowed:
            raise WeightsError(path, f"tensor {name} is {str(tensor.dtype).removeprefix('torch.')}, "
                                     f"expected float32")
        if not torch.isfinite(tensor).all():
            raise WeightsError(path, f"tensor {name} holds NaN or infinite values")


#: the largest number a network config may hold (widths, block and layer counts)
MAX_CONFIG_NUMBER = 4096


def build_checked(build, config: dict, state: dict, path) -> torch.nn.Module:
    """``build(config)`` after checking it on torch's meta device (no memory): a config that
    the builder refuses, or whose network does not match the tensors (a width of 10⁷ would
    otherwise allocate terabytes before failing), is a WeightsError naming the file."""
    for key, value in config.items():  # sizes no network here comes near: refused before building
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not abs(value) <= MAX_CONFIG_NUMBER:
            raise WeightsError(path, f"its network config has {key} = {value}, outside the sizes any "
                                     f"MuralStudio network uses (at most {MAX_CONFIG_NUMBER})")
    try:
        with torch.device("meta"):
            skeleton = build(config)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RuntimeError) as exc:
        raise WeightsError(path, f"its network config {json.dumps(config)[:200]} is not valid ({exc})") from None
    check_state_dict(skeleton, state, path)
    return build(config)


def check_state_dict(model: torch.nn.Module, state: dict, source) -> None:
    """Strict match of key names and shapes, explaining every difference."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    wrong = [f"{k}: checkpoint {tuple(state[k].shape)}, network {tuple(expected[k].shape)}"
             for k in expected if k in state and tuple(state[k].shape) != tuple(expected[k].shape)]
    if missing or unexpected or wrong:
        lines = []
        for title, items in (("missing keys", missing), ("unexpected keys", unexpected),
                             ("shape mismatches", wrong)):
            if items:
                shown = ", ".join(items[:8]) + (f" … and {len(items) - 8} more" if len(items) > 8 else "")
                lines.append(f"{len(items)} {title}: {shown}")
        raise WeightsError(source, Text("checkpoint_mismatch", details="; ".join(lines)))


def load_into(model: torch.nn.Module, state: dict, source) -> torch.nn.Module:
    check_state_dict(model, state, source)
    model.load_state_dict(state, strict=True)
    return model


def load_file_into(model: torch.nn.Module, path) -> torch.nn.Module:
    """The weights of a safetensors file loaded strictly into ``model`` (training's --init)."""
    state, _config = load_weights(path)
    return load_into(model, state, path)


def _looks_like_torch_checkpoint(path) -> bool:
    """A ``torch.save`` file: a zip archive (PyTorch ≥ 1.6) or a pickle (older)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
    except OSError:
        return False
    return head.startswith(b"PK\x03\x04") or head[:1] == b"\x80"


#: torch's advice when a checkpoint holds code — to load it unsafely — is never ours to give
_UNSAFE_ADVICE = re.compile(r"(\(\d+\) )?Re-running `torch\.load` with `weights_only` set to `False`.*?trusted source\.",
                            re.S)


def read_checkpoint(path, container_keys=("state_dict", "model", "generator", "net")) -> dict:
    """A third-party ``.pth``/``.safetensors`` state dict, unwrapped from common containers and
    ``module.`` prefixes. Pickles load with ``weights_only=True``, so no code runs."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(path, Text("checkpoint_not_found"))
    if path.suffix == ".safetensors":
        return load_weights(path)[0]
    try:
        data = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:
        reason = " ".join(_UNSAFE_ADVICE.sub("", str(exc)).split())
        raise WeightsError(path, f"cannot load as a plain-tensor checkpoint (it may contain code, "
                                 f"which is refused, or be damaged): {reason}") from None
    while isinstance(data, dict) and not any(isinstance(v, torch.Tensor) for v in data.values()):
        inner = next((data[k] for k in container_keys if k in data and isinstance(data[k], dict)), None)
        if inner is None:
            break
        data = inner
    if not isinstance(data, dict):
        raise WeightsError(path, f"expected a state dict, found {type(data).__name__}")
    return {k.removeprefix("module."): v for k, v in data.items() if isinstance(v, torch.Tensor)}


def average_weights(paths, out) -> Path:
    """The mean of several weights files of one network (a "model soup": networks fine-tuned
    from one start, averaged, often beat each of them), written to ``out`` as safetensors.
    Refuses files whose architecture, keys or shapes differ; integer buffers (batch-norm
    counters) are taken from the first file."""
    paths = [Path(p) for p in paths]
    if len(paths) < 2:
        raise WeightsError(paths[0] if paths else out, "averaging needs two or more weights files")
    first, config = load_weights(paths[0])
    total = {k: v.double() if v.is_floating_point() else v for k, v in first.items()}
    for path in paths[1:]:
        state, other = load_weights(path)
        if other != config:
            raise WeightsError(path, f"its network ({other}) differs from {paths[0].name}'s ({config})")
        if set(state) != set(first) or any(state[k].shape != first[k].shape for k in first):
            raise WeightsError(path, f"its tensors' names or shapes differ from {paths[0].name}'s")
        for k, v in state.items():
            if v.is_floating_point():
                total[k] += v.double()
    tensors = {k: (v / len(paths)).to(first[k].dtype).contiguous() if v.is_floating_point() else v
               for k, v in total.items()}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    extra = {"averaged": [{"path": str(p), "sha256": file_sha256(p)} for p in paths]}
    metadata = {"config": json.dumps(config), "extra": json.dumps(extra)}
    with atomic_path(out) as tmp:
        save_file(tensors, str(tmp), metadata=metadata)
    return out


def weights_summary(path) -> dict:
    path = Path(path)
    meta = read_metadata(path)
    return {"path": str(path), "sha256": file_sha256(path), "bytes": path.stat().st_size,
            "config": meta.get("config", {}), "extra": meta.get("extra", {})}


def pick_device(device: str = "cpu") -> torch.device:
    """``cpu``, ``cuda`` or ``auto``; asking for CUDA where there is none is a clear error."""
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise WeightsError(device, Text("cuda_unavailable"))
    return torch.device(device)


@dataclass
class LoadedNetwork:
    model: torch.nn.Module
    config: dict
    extra: dict
    path: Path
    sha256: str
    device: torch.device


def load_network(weights_path, default_name: str, architecture: str, build, device: str,
                 what: str, train_command: str | None, importable: bool = False) -> LoadedNetwork:
    """The shipped (or given) weights of one engine, ready for inference: located, checked to
    be ``architecture``, built with ``build(config)``, loaded strictly, moved to the device, in
    eval mode, channels-last on CPU (about twice as fast there). Missing weights name the
    command that trains them (and, when ``importable``, how to import the official checkpoint)."""
    path = Path(weights_path) if weights_path else find_weights(default_name)
    if path is None:
        reason = (Text("weights_missing_import", model=what, command=train_command, engine=default_name)
                  if importable else Text("weights_missing_train", model=what, command=train_command))
        raise WeightsError(f"models/{default_name}.safetensors", reason)
    state, config = load_weights(path)
    if config.get("architecture") != architecture:
        raise WeightsError(path, f"not {architecture} weights (architecture "
                                 f"{config.get('architecture')!r})")
    check_dtypes(state, path)
    torch_device = pick_device(device)
    model = load_into(build_checked(build, config, state, path), state, path).to(torch_device).eval()
    if torch_device.type == "cpu":
        model = model.to(memory_format=torch.channels_last)
    return LoadedNetwork(model, config, read_metadata(path).get("extra", {}), path,
                         file_sha256(path), torch_device)
