"""Weight files: save a character model to ``.npz`` and load it back, or import Keras and PyTorch weights.

The native format is an ``.npz`` archive:

* each cell's PyTorch-named parameters under PyTorch's keys for its layer and direction (``weight_ih`` →
  ``weight_ih_l0``, ``weight_hh_l1``, ``bias_ih_l0_reverse``, …) and every other parameter under its own
  name, suffixed the same way except in the first layer's forward cell (``peephole_i``,
  ``peephole_i_l1``, ``weight_gates_l0_reverse``, …); the number of layers and the directions follow
  from the keys;
* ``cell``: the registry name, and ``vocab``: the characters in the order of the input weight columns
  (both string arrays);
* for cells built with options beyond the name (sLSTM's and mLSTM's heads and stabiliser, RG-LRU's
  heads: ``Cell.build_options``), ``options``, a JSON object as a string, the same for every cell;
* optionally the next-character layer ``weight_out`` (V, directions·H) and ``bias_out`` (V,), and
  ``meta``, a JSON object as a string (a model card, training notes).

Also read:

* Keras layouts: ``kernel`` (V, kU), ``recurrent_kernel`` (U, kU), ``bias`` plus ``vocab`` (and optionally
  ``cell``, ``weight_out``, ``bias_out``, ``meta``). ``LSTM`` (blocks i|f|c|o) becomes ``lstm``; ``GRU``
  (blocks z|r|h) becomes ``gru`` when ``bias`` is (2, 3U) (``reset_after=True``) and ``gru-cho`` when it
  is (3U,) (``reset_after=False``). The weights cannot show a layer's activations: Keras's defaults
  (tanh, and sigmoid for the gates) are assumed. Stacked and ``Bidirectional`` layers are read from
  Keras 3's own variable paths, as ``{w.path: w.numpy() for w in model.weights}`` saves them:
  ``…/bidirectional/forward_lstm/lstm_cell/kernel``, ``…/bidirectional/backward_lstm/lstm_cell/kernel``,
  ``…/lstm_1/lstm_cell/kernel``, …: a path component ``forward_…``/``backward_…`` names the direction,
  and the layers come in the order the file lists them (Keras lists ``model.weights`` bottom layer
  first). ``Bidirectional``'s backward layer reads the sequence from the end and its outputs are put
  back in time order (Keras's ``merge_mode="concat"``, the default), exactly PyTorch's reverse
  direction; the other merge modes (sum, mul, ave) are not a PyTorch layout and are refused where the
  next layer's input width shows them.
* A PyTorch ``.pt``/``.pth`` file holding the ``state_dict`` of an ``nn.LSTM``, ``nn.GRU`` or ``nn.RNN``
  (any ``num_layers``, ``bidirectional`` or not; optionally with ``weight_out``/``bias_out`` added), read
  with ``torch.load(..., weights_only=True)`` when torch is installed. A state_dict names neither the
  cell nor the vocabulary: give them as arguments or in a JSON sidecar with the same stem (``model.pt``
  → ``model.json``: ``{"cell": "lstm", "vocab": "…", "meta": {…}}``).

A vocabulary may list its characters in any order: that order is the order of the input weight columns
(character k is column k), so it is kept as the file gives it, never sorted.

Nothing here unpickles: ``np.load(..., allow_pickle=False)`` always. Sizes are checked from the zip
directory and each array's header before any data is decompressed, and every failure is a ``UserError``
naming the file and the problem on one line.
"""

from __future__ import annotations

import io
import json
import math
import pickle
import re
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..display import shown
from ..errors import UserError
from ..limits import MAX_LAYERS
from ..safe_files import write_atomic
from .charmodel import CharModel
from .registry import get_spec
from .stack import Stack, layer_suffix, param_key
from .vocab import Vocabulary

MAX_FILE_BYTES = 256 * 2**20  # on disk
MAX_DATA_BYTES = 256 * 2**20  # uncompressed, all arrays together
MAX_MEMBERS = 80  # a 4-layer bidirectional lstm-fgr holds 64 parameter arrays, plus 5 others
MAX_META_CHARS = 64 * 2**10
MAX_HEADER_BYTES = 10_000  # numpy's own default limit for an .npy header
MAX_SIDECAR_BYTES = 16 * 2**20  # a .pt file's JSON sidecar: a vocabulary of a million characters and meta
LAST_CODE_POINT = 0x10FFFF
TORCH_DTYPES = ("float16", "bfloat16", "float32", "float64")  # the floating dtypes NumPy can hold (bfloat16 as float32)

PYTORCH_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
STRING_KEYS = ("cell", "vocab", "meta", "options")
OUTPUT_KEYS = ("weight_out", "bias_out")
KERAS_KEYS = ("kernel", "recurrent_kernel", "bias")
TORCH_SUFFIXES = (".pt", ".pth")
# What a damaged zip entry can raise while it is decompressed or parsed.
ZIP_READ_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError, NotImplementedError)


@dataclass
class LoadedModel:
    model: CharModel
    meta: dict | None
    layout: str  # "lstm-tui", "keras" or "pytorch"


@dataclass
class _Source:
    """What a file holds, before it is matched to a cell."""

    arrays: dict  # key → float array, still under the file's own names
    names: dict  # "cell" and/or "vocab" → str, as the file states them
    meta: dict | None
    layout: str


# PyTorch's layer and direction suffix. ASCII digits only (\d takes "٣" as 3), and few: int() refuses over
# 4,300 digits, and a longer suffix is an unexpected key, not a layer.
LAYER_KEY = re.compile(r"_l([0-9]{1,4})(_reverse)?$")


def file_key(param_name: str, layer: int = 0, direction: int = 0) -> str:
    """The key a cell parameter is stored under: PyTorch's name where one exists (``weight_ih_l0``), else
    the stack's name for it (``peephole_i``, ``peephole_i_l1_reverse``)."""
    if param_name in PYTORCH_NAMES:
        return param_name + layer_suffix(layer, direction)
    return param_key(param_name, layer, direction)


# --- saving ------------------------------------------------------------------------------------------


def save_model(model: CharModel, path, meta: dict | None = None) -> None:
    """Write ``model`` (and an optional JSON-able ``meta`` dict) as an ``.npz`` that ``load_model`` reads
    back exactly. The file appears whole or not at all, and never through a link (``write_atomic``: a
    fresh, exclusively created name beside it, then renamed; a predictable ``.partial`` name could be a
    link planted to redirect the write)."""
    path = Path(path)
    write_atomic(path, model_file_bytes(model, meta, path))


def model_file_bytes(model: CharModel, meta: dict | None = None, path="") -> bytes:
    """The ``.npz`` file ``save_model`` writes, as bytes; a model that cannot be stored (NaN weights, meta
    that is not JSON) is a UserError naming ``path``."""
    get_spec(model.cell.name)  # only registry cells can be rebuilt from a file
    arrays = {
        file_key(name, k, d): value for k, d, cell in model.stack.all_cells() for name, value in cell.params.items()
    }
    if model.output:
        arrays.update({key: model.output[key] for key in OUTPUT_KEYS})
    for key, value in arrays.items():
        if not np.all(np.isfinite(value)):
            raise UserError(f"{shown(path)}: not saved, {key} holds NaN or infinite values")
    arrays["cell"] = np.array(model.cell.name)
    options = [cell.build_options() for *_, cell in model.stack.all_cells()]
    if any(option != options[0] for option in options):
        raise UserError(f"{shown(path)}: not saved, the cells of one model are built with different options")
    if options[0]:
        arrays["options"] = np.array(json.dumps(options[0]))
    arrays["vocab"] = np.array(model.vocab.chars)
    if arrays["vocab"].item() != model.vocab.chars:  # NumPy strings drop trailing NUL characters
        raise UserError(f"{shown(path)}: not saved, a vocabulary of only NUL cannot be stored")
    if meta is not None:
        arrays["meta"] = np.array(_meta_json(meta, path))
    archive = io.BytesIO()
    np.savez_compressed(archive, **arrays)
    return archive.getvalue()


def _meta_json(meta, path) -> str:
    if not isinstance(meta, dict):
        raise UserError(f"{shown(path)}: not saved, meta must be a dict, not {type(meta).__name__}")
    try:
        text = json.dumps(meta, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise UserError(f"{shown(path)}: not saved, meta is not JSON ({error})") from None
    if len(text) > MAX_META_CHARS:
        raise UserError(f"{shown(path)}: not saved, meta is {len(text)} characters of JSON (limit {MAX_META_CHARS})")
    return text


# --- loading -----------------------------------------------------------------------------------------


def load_model(path, *, cell: str | None = None, vocab: str | None = None, dtype=None) -> CharModel:
    """Read a weights file (see the module docstring) into a ``CharModel``."""
    return load_model_file(path, cell=cell, vocab=vocab, dtype=dtype).model


def load_model_file(path, *, cell: str | None = None, vocab: str | None = None, dtype=None) -> LoadedModel:
    """Like ``load_model``, also returning ``meta`` and the layout the file was in.

    ``cell`` and ``vocab`` supply what a PyTorch state_dict lacks; for other files they must agree with
    the file. ``dtype`` (float32/float64) defaults to float32 when every array in the file is at most
    32-bit, else float64, so a saved model comes back bit for bit.
    """
    path = Path(path)
    source = _read_torch(path) if path.suffix.lower() in TORCH_SUFFIXES else _read_npz(path)
    arrays = source.arrays
    vocab_chars = _agree(source.names.get("vocab"), vocab, "vocab", path)
    if vocab_chars is None:
        raise UserError(f"{shown(path)}: {_not_named('vocab', source, path)}")
    vocabulary = _vocabulary(vocab_chars, path)
    cell_name = _agree(source.names.get("cell"), cell, "cell", path)
    output = {key: arrays.pop(key) for key in OUTPUT_KEYS if key in arrays}
    if source.layout == "keras":
        cell_name, arrays = _from_keras(arrays, cell_name, len(vocabulary), path)
    if cell_name is None:
        raise UserError(f"{shown(path)}: {_not_named('cell', source, path)}")
    try:
        spec = get_spec(cell_name)
    except UserError as error:
        raise UserError(f"{shown(path)}: {error}") from None
    dtype = dtype or _natural_dtype([*arrays.values(), *output.values()])
    options = _build_options(spec, source.names.get("options"), path)
    stack = _stack(spec, arrays, len(vocabulary), dtype, path, options)
    model = CharModel(stack, vocabulary, _output_layer(output, len(vocabulary), stack.output_size, stack.dtype, path))
    return LoadedModel(model, source.meta, source.layout)


# --- reading an .npz --------------------------------------------------------------------------------


def _read_npz(path: Path) -> _Source:
    _check_file_size(path)
    _check_signature(path)
    try:
        archive = zipfile.ZipFile(path)
    except ZIP_READ_ERRORS:  # e.g. NotImplementedError for a garbled "zip version" field
        raise UserError(f"{shown(path)}: truncated or damaged, its zip directory cannot be read") from None
    with archive:
        keys = _check_members(archive, path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in keys}
    except ZIP_READ_ERRORS as error:
        raise UserError(f"{shown(path)}: damaged, an array cannot be read ({_first_line(error)})") from None
    names = {key: _string(arrays.pop(key), key, path) for key in STRING_KEYS if key in arrays}
    for key, array in arrays.items():
        _check_finite(key, array, path)
    meta = _parse_meta(names.pop("meta"), path) if "meta" in names else None
    layout = "keras" if any(_keras_name(key) in KERAS_KEYS[:2] for key in arrays) else "lstm-tui"
    return _Source(arrays, names, meta, layout)


def _check_file_size(path: Path, limit: int | None = None) -> None:
    limit = MAX_FILE_BYTES if limit is None else limit
    try:
        size = path.stat().st_size
    except OSError as error:
        raise UserError(f"{shown(path)}: cannot read ({error.strerror or error})") from None
    if not path.is_file():
        raise UserError(f"{shown(path)}: not a file")
    if size > limit:
        raise UserError(f"{shown(path)}: {_mib(size)} on disk, over the {_mib(limit)} limit")


def _check_signature(path: Path) -> None:
    try:
        with open(path, "rb") as stream:
            head = stream.read(6)
    except OSError as error:
        raise UserError(f"{shown(path)}: cannot read ({error.strerror or error})") from None
    if head.startswith(b"\x93NUMPY"):
        raise UserError(f"{shown(path)}: a single .npy array, not an .npz archive of named arrays")
    if not head.startswith(b"PK"):
        raise UserError(f"{shown(path)}: not an .npz file (no zip signature)")


def _check_members(archive: zipfile.ZipFile, path: Path) -> list[str]:
    """Check the zip directory and every array header, decompressing no array data; return the keys."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise UserError(f"{shown(path)}: {len(infos)} entries, over the limit of {MAX_MEMBERS}")
    declared = sum(info.file_size for info in infos)
    if declared > MAX_DATA_BYTES:
        raise UserError(
            f"{shown(path)}: declares {_mib(declared)} of uncompressed data, over the {_mib(MAX_DATA_BYTES)} limit"
        )
    keys = []
    for info in infos:
        if not info.filename.endswith(".npy"):
            raise UserError(f"{shown(path)}: entry {info.filename!r} is not a NumPy array")
        key = info.filename[: -len(".npy")]
        if key in keys:
            raise UserError(f"{shown(path)}: entry {info.filename!r} appears twice")
        shape, dtype = _npy_header(archive, info, key, path)
        _check_dtype(key, dtype, path)
        if any(dim < 0 or dim > MAX_DATA_BYTES for dim in shape):  # NumPy would overflow int64 on these
            raise UserError(f"{shown(path)}: {key} claims shape {shape}, which no array can have")
        if math.prod(shape) * dtype.itemsize > info.file_size:
            raise UserError(f"{shown(path)}: {key} claims shape {shape} but its entry is only {info.file_size} bytes")
        keys.append(key)
    return keys


def _npy_header(archive, info, key, path):
    try:
        with archive.open(info) as member:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(member, max_header_size=MAX_HEADER_BYTES)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(member, max_header_size=MAX_HEADER_BYTES)
            else:
                raise UserError(f"{shown(path)}: {key} uses .npy format version {version}, which is not supported")
    except ZIP_READ_ERRORS as error:
        raise UserError(f"{shown(path)}: damaged, {key} cannot be read ({_first_line(error)})") from None
    return shape, dtype


def _check_dtype(key: str, dtype: np.dtype, path: Path) -> None:
    if dtype.hasobject:
        raise UserError(f"{shown(path)}: {key} holds Python objects (pickled data), which are never loaded")
    if key in STRING_KEYS:
        if dtype.kind != "U":
            raise UserError(f"{shown(path)}: {key} must be a text string, not {dtype}")
    elif dtype.kind == "c":
        raise UserError(f"{shown(path)}: {key} is complex ({dtype}); weights must be real floating point")
    elif dtype.kind != "f":
        raise UserError(f"{shown(path)}: {key} has dtype {dtype}; weights must be floating point")


def _check_finite(key: str, array: np.ndarray, path: Path) -> None:
    if not np.isfinite(array).all():
        problem = "NaN" if np.isnan(array).any() else "infinite values"
        raise UserError(f"{shown(path)}: {key} contains {problem}")


def _string(array: np.ndarray, key: str, path: Path) -> str:
    if array.size != 1:
        raise UserError(f"{shown(path)}: {key} must be one string, not an array of shape {array.shape}")
    if array.dtype.itemsize and np.ascontiguousarray(array).view(np.uint32).max() > LAST_CODE_POINT:
        # NumPy's UTF-32 may hold any 32-bit value; turning one beyond Unicode into str raises SystemError
        raise UserError(f"{shown(path)}: {key} holds a code point beyond U+10FFFF, which is not a character")
    return str(array.item())


def _parse_meta(text: str, path: Path) -> dict:
    if len(text) > MAX_META_CHARS:
        raise UserError(f"{shown(path)}: meta is {len(text)} characters, over the limit of {MAX_META_CHARS}")
    try:
        meta = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise UserError(f"{shown(path)}: meta is nested too deeply") from None
    except ValueError as error:
        raise UserError(f"{shown(path)}: meta is not valid JSON ({_first_line(error)})") from None
    if not isinstance(meta, dict):
        raise UserError(f"{shown(path)}: meta must be a JSON object, not {type(meta).__name__}")
    return meta


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


# --- reading a PyTorch state_dict -----------------------------------------------------------------


def _read_torch(path: Path) -> _Source:
    _check_file_size(path)
    if zipfile.is_zipfile(path):  # torch's own format is a zip: the same directory limits apply
        try:
            archive = zipfile.ZipFile(path)
        except ZIP_READ_ERRORS:
            raise UserError(f"{shown(path)}: truncated or damaged, its zip directory cannot be read") from None
        with archive:
            declared = sum(info.file_size for info in archive.infolist())
            if len(archive.infolist()) > MAX_MEMBERS or declared > MAX_DATA_BYTES:
                raise UserError(f"{shown(path)}: too large ({len(archive.infolist())} entries, {_mib(declared)})")
    try:
        import torch
    except ImportError:
        raise UserError(f"{shown(path)}: reading a PyTorch file needs torch (pip install torch==2.13.0)") from None
    try:
        state = torch.load(path, weights_only=True, map_location="cpu")
    except pickle.UnpicklingError:  # torch's own text here is a long how-to for trusted files
        raise UserError(
            f"{shown(path)}: not a PyTorch weights file, or it holds objects other than tensors "
            "(refused by torch.load with weights_only=True)"
        ) from None
    except Exception as error:  # torch raises many types for a bad file; all mean the same to the user
        raise UserError(
            f"{shown(path)}: not a loadable PyTorch weights file ({type(error).__name__}: {_first_line(error)})"
        ) from None
    if not isinstance(state, dict):
        raise UserError(f"{shown(path)}: holds a {type(state).__name__}, not a state_dict")
    if len(state) > MAX_MEMBERS:
        raise UserError(f"{shown(path)}: {len(state)} entries, over the limit of {MAX_MEMBERS}")
    for key, tensor in state.items():
        _check_tensor(key, tensor, torch, path)
    # Entries may be views of one storage: the copies below must fit, whatever the file's size.
    total = sum(tensor.numel() * tensor.element_size() for tensor in state.values())
    if total > MAX_DATA_BYTES:
        raise UserError(f"{shown(path)}: its tensors hold {_mib(total)}, over the {_mib(MAX_DATA_BYTES)} limit")
    arrays = {}
    for key, tensor in state.items():
        if tensor.dtype == torch.bfloat16:  # NumPy has no bfloat16; float32 holds it exactly
            tensor = tensor.float()
        try:
            arrays[key] = tensor.detach().cpu().numpy().copy()
        except (TypeError, RuntimeError, NotImplementedError) as error:  # a tensor torch itself cannot export
            raise UserError(f"{shown(path)}: {key} cannot be read as an array ({_first_line(error)})") from None
        _check_finite(key, arrays[key], path)
    names, meta = _read_sidecar(path)
    return _Source(arrays, names, meta, "pytorch")


def _check_tensor(key, tensor, torch, path: Path) -> None:
    """A state_dict entry must be a named, dense tensor with data, of a floating dtype NumPy can hold."""
    if not isinstance(key, str) or not isinstance(tensor, torch.Tensor):
        raise UserError(f"{shown(path)}: entry {key!r} is not a named tensor")
    if tensor.layout != torch.strided:
        raise UserError(
            f"{shown(path)}: {key} is a {str(tensor.layout).removeprefix('torch.')} tensor; "
            "weights must be dense (tensor.to_dense())"
        )
    if tensor.is_meta:
        raise UserError(f"{shown(path)}: {key} is on the meta device: it has a shape but no values")
    if tensor.is_complex():
        raise UserError(f"{shown(path)}: {key} is complex ({tensor.dtype}); weights must be real floating point")
    if str(tensor.dtype).removeprefix("torch.") not in TORCH_DTYPES:
        raise UserError(
            f"{shown(path)}: {key} has dtype {tensor.dtype}; weights must be floating point "
            f"that NumPy can hold ({', '.join(TORCH_DTYPES)})"
        )


def _read_sidecar(path: Path) -> tuple[dict, dict | None]:
    """``model.json`` beside ``model.pt``: {"cell": str, "vocab": str, "meta": {...}}, each optional."""
    sidecar = path.with_suffix(".json")
    if not sidecar.exists():
        return {}, None
    _check_file_size(sidecar, MAX_SIDECAR_BYTES)
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"), parse_constant=_refuse_constant)
    except RecursionError:
        raise UserError(f"{shown(sidecar)}: not a readable JSON sidecar (nested too deeply)") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise UserError(f"{shown(sidecar)}: not a readable JSON sidecar ({_first_line(error)})") from None
    if not isinstance(data, dict) or set(data) - set(STRING_KEYS):
        raise UserError(f"{shown(sidecar)}: expected a JSON object with only the keys cell, vocab and meta")
    for key in ("cell", "vocab"):
        if key in data and not isinstance(data[key], str):
            raise UserError(f"{shown(sidecar)}: {key} must be a string")
    meta = data.get("meta")
    if meta is not None:
        meta = _parse_meta(json.dumps(meta), sidecar)
    return {key: data[key] for key in ("cell", "vocab") if key in data}, meta


# --- Keras layouts --------------------------------------------------------------------------------


def _keras_name(key: str) -> str:
    """The variable's own name at the end of a Keras path (``…/lstm_cell/kernel`` → ``kernel``)."""
    return key.rsplit("/", 1)[-1]


def _keras_layers(arrays: dict, path: Path) -> list[list[dict]]:
    """The file's Keras variables as layers of directions, each {"kernel", "recurrent_kernel", "bias"}."""
    groups: dict[str, dict] = {}  # variable path without the name → its arrays, in the file's order
    extra = []
    for key, value in arrays.items():
        if _keras_name(key) in KERAS_KEYS:
            groups.setdefault(key[: -len(_keras_name(key))], {})[_keras_name(key)] = value
        else:
            extra.append(key)
    missing = [prefix + name for prefix, group in groups.items() for name in KERAS_KEYS if name not in group]
    if missing or extra:
        raise UserError(f"{shown(path)}: Keras layout {_key_problems(missing, extra)}")
    layers: dict[str, list] = {}  # the layer's path (up to forward_…/backward_…) → [forward, backward]
    for prefix, group in groups.items():
        parts = prefix.split("/")
        sides = [k for k, part in enumerate(parts) if part.startswith(("forward_", "backward_"))]
        layer = "/".join(parts[: sides[-1]]) if sides else prefix
        direction = 1 if sides and parts[sides[-1]].startswith("backward_") else 0
        layers.setdefault(layer, [None, None])[direction] = group
    directions = {sum(side is not None for side in sides) for sides in layers.values()}
    if len(directions) > 1 or any(sides[0] is None for sides in layers.values()):
        raise UserError(f"{shown(path)}: Keras layers must all be Bidirectional or all not, each with a forward layer")
    if len(layers) > MAX_LAYERS:
        raise UserError(f"{shown(path)}: {len(layers)} Keras layers, more than the {MAX_LAYERS} a model may have")
    return [[side for side in sides if side is not None] for sides in layers.values()]


def _from_keras(arrays: dict, cell_name: str | None, vocab_size: int, path: Path) -> tuple[str, dict]:
    """Keras LSTM/GRU weights (stacked, Bidirectional or not) → the same layers in PyTorch's layout,
    exactly (transposes and reordering), under ``file_key`` names."""
    layers = _keras_layers(arrays, path)
    implied, converted, width = set(), {}, vocab_size
    for k, directions in enumerate(layers):
        for d, weights in enumerate(directions):
            kind, params, units = _keras_cell(weights, width, k, path)
            implied.add(kind)
            converted.update({file_key(name, k, d): value for name, value in params.items()})
        width = len(directions) * units  # Bidirectional concatenates the two directions' outputs
    if len(implied) > 1:
        raise UserError(f"{shown(path)}: its Keras layers compute different cells ({', '.join(sorted(implied))})")
    (kind,) = implied
    if cell_name not in (None, kind):
        layer = "LSTM" if kind == "lstm" else "GRU"
        raise UserError(f"{shown(path)}: this Keras {layer} computes cell {kind!r}, not {cell_name!r}")
    return kind, converted


def _keras_cell(weights: dict, input_width: int, layer: int, path: Path) -> tuple[str, dict, int]:
    """One Keras LSTM/GRU cell's weights → (the registry cell it computes, PyTorch-layout params, units)."""
    kernel, recurrent, bias = (weights[key] for key in KERAS_KEYS)
    units = recurrent.shape[0] if recurrent.ndim == 2 else 0
    blocks = recurrent.shape[1] // units if units and recurrent.shape[1] % units == 0 else 0
    if blocks not in (3, 4):
        raise UserError(
            f"{shown(path)}: recurrent_kernel has shape {recurrent.shape}, "
            "expected (U, 4U) for an LSTM or (U, 3U) for a GRU"
        )
    if kernel.shape != (input_width, blocks * units):
        reads = (
            f"{input_width} characters"
            if layer == 0
            else f"the {input_width} outputs of the layer below (Bidirectional layers must merge by concat)"
        )
        raise UserError(
            f"{shown(path)}: kernel of layer {layer} has shape {kernel.shape}, "
            f"expected {(input_width, blocks * units)} for {units} units reading {reads}"
        )
    zeros = np.zeros(blocks * units, dtype=bias.dtype)
    if blocks == 4:  # LSTM blocks i|f|c|o are PyTorch's i|f|g|o; one bias
        _check_bias(bias, [(4 * units,)], path)
        return "lstm", {"weight_ih": kernel.T, "weight_hh": recurrent.T, "bias_ih": bias, "bias_hh": zeros}, units
    _check_bias(bias, [(2, 3 * units), (3 * units,)], path)

    def to_rzn(columns):  # Keras blocks z|r|h → PyTorch rows r|z|n
        blocks = (columns[..., units : 2 * units], columns[..., :units], columns[..., 2 * units :])
        return np.concatenate(blocks, axis=-1)

    params = {"weight_ih": to_rzn(kernel).T, "weight_hh": to_rzn(recurrent).T}
    if bias.ndim == 2:  # reset_after=True: [input bias; recurrent bias], b_hn stays inside r ⊙ (·)
        return "gru", {**params, "bias_ih": to_rzn(bias[0]), "bias_hh": to_rzn(bias[1])}, units
    # reset_after=False: one bias, outside the reset product
    return "gru-cho", {**params, "bias_ih": to_rzn(bias), "bias_hh": zeros}, units


def _check_bias(bias: np.ndarray, shapes: list, path: Path) -> None:
    if bias.shape not in shapes:
        expected = " or ".join(str(shape) for shape in shapes)
        raise UserError(f"{shown(path)}: bias has shape {bias.shape}, expected {expected}")


# --- matching arrays to a cell --------------------------------------------------------------------


def _build_options(spec, text: str | None, path: Path) -> dict:
    """The file's ``options`` for ``spec``'s cells: a JSON object whose keys are options the cell has, each
    of the type its default has (heads an integer, stabilised true or false)."""
    if text is None:
        return {}
    if len(text) > MAX_META_CHARS:
        raise UserError(f"{shown(path)}: options is {len(text)} characters, over the limit of {MAX_META_CHARS}")
    try:
        options = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise UserError(f"{shown(path)}: options is not valid JSON ({_first_line(error)})") from None
    defaults = spec.build(1, 1).build_options()
    if not isinstance(options, dict):
        raise UserError(f"{shown(path)}: options must be a JSON object, not {type(options).__name__}")
    for key, value in options.items():
        if key not in defaults:
            known = ", ".join(defaults) or "none"
            raise UserError(
                f"{shown(path)}: cell {spec.name!r} has no option {shown(_brief(key))} (its options: {known})"
            )
        if type(value) is not type(defaults[key]):
            expected = type(defaults[key]).__name__
            raise UserError(f"{shown(path)}: option {key} must be {expected}, not {shown(_brief(repr(value)))}")
    if options.get("heads", 1) < 1:
        raise UserError(f"{shown(path)}: option heads must be at least 1, not {options['heads']}")
    return options


def _stack(spec, arrays: dict, vocab_size: int, dtype, path: Path, options: dict) -> Stack:
    """The file's layers as a stack of ``spec``'s cells built with ``options``: layers and directions from
    the keys' suffixes, every array checked against what its cell holds."""
    suffixes = [LAYER_KEY.search(key) for key in arrays]
    layers = 1 + max((int(match[1]) for match in suffixes if match), default=0)
    directions = 2 if any(match and match[2] for match in suffixes) else 1
    if layers > MAX_LAYERS:
        raise UserError(f"{shown(path)}: {layers} layers, more than the {MAX_LAYERS} a model may have")
    names = list(_shape_rules(spec, vocab_size, options))
    expected = [file_key(name, k, d) for k in range(layers) for d in range(directions) for name in names]
    missing = [key for key in expected if key not in arrays]
    extra = sorted(set(arrays) - set(expected))
    if missing or extra:
        projection = (
            " (LSTM projections, proj_size, are not supported)" if any(k.startswith("weight_hr") for k in extra) else ""
        )
        raise UserError(f"{shown(path)}: {_key_problems(missing, extra)} for cell {spec.name!r}{projection}")
    cells, width = [], vocab_size
    for k in range(layers):
        row = []
        for d in range(directions):
            params, hidden = _cell_params(spec, arrays, width, k, d, path, options)
            try:
                row.append(spec.build(width, hidden, dtype=dtype, params=params, **options))
            except ValueError as error:
                raise UserError(f"{shown(path)}: {error}") from None
        cells.append(row)
        width = directions * hidden
    try:
        return Stack(cells)
    except ValueError as error:  # e.g. layers of different hidden sizes
        raise UserError(f"{shown(path)}: {error}") from None


def _cell_params(
    spec, arrays: dict, input_size: int, layer: int, direction: int, path: Path, options: dict
) -> tuple[dict, int]:
    """Check one cell's arrays against what ``spec``'s cell reading ``input_size`` inputs holds; return
    (params by cell name, H)."""
    rules = _shape_rules(spec, input_size, options)
    expected_keys = {file_key(name, layer, direction): name for name in rules}
    head_size = _infer_hidden(rules, {name: arrays[key] for key, name in expected_keys.items()}, layer, direction, path)
    hidden = head_size * options.get("heads", 1)
    for key, name in expected_keys.items():
        shape = tuple(offset + slope * head_size for offset, slope in rules[name])
        if arrays[key].shape != shape:
            reads = f"{input_size} characters" if layer == 0 else f"{input_size} inputs from layer {layer - 1}"
            heads = f" in {options['heads']} heads" if options.get("heads", 1) > 1 else ""
            raise UserError(
                f"{shown(path)}: {key} has shape {arrays[key].shape}, expected {shape} "
                f"(cell {spec.name!r}, hidden size {hidden}{heads}, {reads})"
            )
    return {name: arrays[key] for key, name in expected_keys.items()}, hidden


def _shape_rules(spec, vocab_size: int, options: dict) -> dict[str, tuple[tuple[int, int], ...]]:
    """Each parameter's shape as (offset, slope) per axis, dim = offset + slope·d, read off two tiny
    builds, d being the units per head (H with one head). Every registry cell's sizes are affine in d
    (block-diagonal heads hold d×d blocks); the final build re-checks the exact shapes."""
    heads = options.get("heads", 1)
    small, large = (spec.build(vocab_size, size * heads, **options).param_shapes() for size in (2, 3))
    return {
        name: tuple((dim2 - 2 * (dim3 - dim2), dim3 - dim2) for dim2, dim3 in zip(small[name], large[name]))
        for name in small
    }


def _infer_hidden(rules: dict, arrays: dict, layer: int, direction: int, path: Path) -> int:
    """The hidden size most of one cell's arrays (by parameter name) agree on, so one bad array is the one
    the message names."""
    votes = Counter()
    for name, rule in rules.items():
        array = arrays[name]
        if array.ndim != len(rule):
            key = file_key(name, layer, direction)
            raise UserError(f"{shown(path)}: {key} has {array.ndim} dimensions, expected {len(rule)}")
        for dim, (offset, slope) in zip(array.shape, rule):
            if slope and dim - offset >= slope and (dim - offset) % slope == 0:
                votes[(dim - offset) // slope] += 1
    if not votes:
        raise UserError(f"{shown(path)}: no array shape gives a hidden size")
    return votes.most_common(1)[0][0]


def _output_layer(output: dict, vocab_size: int, width: int, dtype, path: Path) -> dict | None:
    """``weight_out`` (V, width) and ``bias_out`` (V,), width being what the top layer outputs."""
    if not output:
        return None
    missing = [key for key in OUTPUT_KEYS if key not in output]
    if missing:
        raise UserError(f"{shown(path)}: has {', '.join(output)} but no {missing[0]}")
    for key, shape in (("weight_out", (vocab_size, width)), ("bias_out", (vocab_size,))):
        if output[key].shape != shape:
            raise UserError(f"{shown(path)}: {key} has shape {output[key].shape}, expected {shape}")
    return {key: np.array(output[key], dtype=dtype) for key in OUTPUT_KEYS}


def _vocabulary(chars: str, path: Path) -> Vocabulary:
    if not chars:
        raise UserError(f"{shown(path)}: vocab is empty")
    repeated = "".join(sorted(char for char, count in Counter(chars).items() if count > 1))
    if repeated:
        raise UserError(f"{shown(path)}: vocab repeats characters {_brief(repeated)}; they must be distinct")
    return Vocabulary(chars, sort=False)  # the file's order is its input weight columns' order


def _agree(from_file: str | None, given: str | None, what: str, path: Path) -> str | None:
    if from_file is not None and given is not None and from_file != given:
        raise UserError(
            f"{shown(path)}: the file's {what} {_brief(from_file)} differs from the one given, {_brief(given)}"
        )
    return from_file if from_file is not None else given


def _not_named(what: str, source: _Source, path: Path) -> str:
    if source.layout == "pytorch":
        return f"no {what} given; a state_dict has none, so name it in {path.with_suffix('.json').name}"
    return f"no {what} stored (a {what!r} string array)"


def _natural_dtype(arrays) -> str:
    return "float32" if all(array.dtype.itemsize <= 4 for array in arrays) else "float64"


# --- message helpers --------------------------------------------------------------------------------


def _key_problems(missing: list, extra: list) -> str:
    parts = []
    if missing:
        parts.append(f"missing key{'s' * (len(missing) > 1)} {', '.join(missing)}")
    if extra:
        parts.append(f"unexpected key{'s' * (len(extra) > 1)} {', '.join(map(_brief, extra))}")
    return "; ".join(parts)


def _brief(text: str, limit: int = 40) -> str:
    shown = repr(text)
    return shown if len(shown) <= limit else shown[: limit - 4] + "...'"


def _first_line(error: BaseException) -> str:
    """The first line of a library's error text, without its colour codes, escaped."""
    lines = ANSI_COLOUR.sub("", str(error)).strip().splitlines()
    return shown(lines[0][:160] if lines else type(error).__name__)


ANSI_COLOUR = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB" if size >= 2**20 else f"{size} bytes"
